// The supervisor's floor: Sam (admin) opens Floor after a shopper's day (one question answered by
// the assistant, one it did not understand, handed to a person, resolved and rated) and sees the
// charts as images with accessible names and their data tables with the figures; labels the gap;
// axe finds nothing on the view. Kim (agent) has no Floor link and the floor API refuses her.
const { test, expect } = require('@playwright/test');
const { axeScan } = require('./pages');
const { ConsolePage, resetDesk, SAM, KIM } = require('./agent');

// A question the demo pack's assistant does not understand (a suffix keeps runs apart).
const NONSENSE = `flurbo wibble quantum giraffe sprocket ${Math.random().toString(36).replace(/[^a-z]/g, '').slice(0, 6)}`;

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
});

/** A shopper (through the API) asks `text` in a new conversation and waits for the assistant's reply. */
async function ask(api, headers, text) {
  const created = await api.post('/v1/conversations', { headers });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  expect((await api.post(`/v1/conversations/${id}/messages`, { headers, data: { client_id: 'q-1', text } })).status()).toBe(201);
  await expect.poll(async () => (await (await api.get(`/v1/conversations/${id}`, { headers })).json()).messages.length).toBeGreaterThanOrEqual(2);
  const conversation = await (await api.get(`/v1/conversations/${id}`, { headers })).json();
  return { id, reply: conversation.messages[1] };
}

/** The count in a chart's data table for the row named `label`. */
function tableCount(page, chart, label) {
  return page.getByTestId(`${chart}-table`).locator('tr', { has: page.locator('th', { hasText: label }) }).locator('td');
}

test('Sam sees the floor with charts and their tables, labels a gap, and axe finds nothing', async ({ page, playwright, baseURL }) => {
  // The shopper's day.
  const shopper = await playwright.request.newContext({ baseURL });
  const session = await shopper.post('/v1/sessions', { data: { merchant_id: 'nordic-outdoor' } });
  expect(session.status()).toBe(201);
  const headers = { authorization: `Bearer ${(await session.json()).token}` };
  const understood = await ask(shopper, headers, 'How do late fees work?');
  expect(understood.reply.meta.topic).not.toBe('unknown');
  const gap = await ask(shopper, headers, NONSENSE);
  expect(gap.reply.meta.topic).toBe('unknown');
  const sam = await playwright.request.newContext({ baseURL });
  expect((await sam.post('/v1/agent/login', { data: { email: SAM.email, password: SAM.password } })).status()).toBe(200);
  expect((await sam.put('/v1/agent/presence', { data: { online: true } })).status()).toBe(200);
  expect((await shopper.post(`/v1/conversations/${gap.id}/handoff`, { headers })).status()).toBe(200);
  expect((await sam.post(`/v1/agent/conversations/${gap.id}/claim`)).status()).toBe(200);
  expect((await sam.post(`/v1/agent/conversations/${gap.id}/resolve`)).status()).toBe(200);
  expect((await shopper.post(`/v1/conversations/${gap.id}/rating`, { headers, data: { score: 5 } })).status()).toBe(200);

  // Sam opens the floor.
  const desk = new ConsolePage(page);
  await desk.login(SAM);
  await page.getByTestId('nav-floor').click();
  await expect(page.getByTestId('nav-floor')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('floor')).toBeVisible();
  await expect(page.getByTestId('floor-agent').filter({ hasText: 'Sam' })).toContainText('Admin');
  await expect(page.getByTestId('floor-resolved')).not.toHaveText('0');

  // Every chart is an image named with its figures, and its table holds the same numbers.
  for (const [chart, name] of [
    ['chart-handled', 'Who handled the conversations'],
    ['chart-reasons', 'Handoffs by reason'],
    ['chart-waits', 'Wait for a person'],
    ['chart-handling', 'Handling time'],
    ['chart-ratings', 'Ratings'],
  ]) {
    const image = page.getByTestId(chart).getByRole('img');
    await expect(image).toHaveAccessibleName(new RegExp(`^${name}: `));
    await expect(image.locator('rect.console-chart__bar').first()).toBeAttached();
    await expect(page.getByTestId(`${chart}-table`)).toBeAttached();
  }
  await expect(page.getByRole('img', { name: /^Handoffs by reason: Asked for a person [1-9]/ })).toBeVisible();
  for (const [chart, label] of [
    ['chart-handled', 'Assistant alone'],
    ['chart-handled', 'A person'],
    ['chart-reasons', 'Asked for a person'],
    ['chart-waits', '< 1 min'],
    ['chart-handling', '< 1 min'],
    ['chart-ratings', '5 of 5'],
  ]) {
    await expect(tableCount(page, chart, label), `${chart}: ${label}`).toHaveText(/^[1-9]\d*$/);
  }
  await expect(page.getByTestId('floor-not-understood')).toContainText('%');
  await expect(page.getByTestId('floor-not-understood')).not.toContainText('0% (0');

  // The gap: pick its topic and label it.
  const row = page.getByTestId('gap').filter({ hasText: NONSENSE });
  await expect(row).toHaveAttribute('data-labelled', 'false');
  await expect(page.getByTestId('gaps-export')).toHaveAttribute('href', '/v1/agent/gaps/export');
  await expect(page.getByTestId('floor').getByRole('combobox', { name: `Topic for “${NONSENSE}”` })).toBeVisible();
  await row.getByTestId('gap-topic').selectOption('refund_status');
  await row.getByTestId('gap-label').click();
  await expect(page.getByTestId('console-status')).toContainText('Labelled as Refund status.');
  const labelled = page.getByTestId('gap').filter({ hasText: NONSENSE });
  await expect(labelled).toHaveAttribute('data-labelled', 'true');
  await expect(labelled.getByTestId('gap-labelled')).toContainText('Labelled Refund status by Sam');
  const exported = await (await sam.get('/v1/agent/gaps/export')).text();
  expect(exported).toContain(`[refund_status]\n${NONSENSE}\n`);

  const { lines } = await axeScan(page);
  expect(lines, 'axe violations on the floor').toEqual([]);
  await sam.put('/v1/agent/presence', { data: { online: false } });
  await sam.dispose();
  await shopper.dispose();
});

test('Kim (agent) has no Floor link, and the floor API refuses her', async ({ page, playwright, baseURL }) => {
  const desk = new ConsolePage(page);
  await desk.login(KIM);
  await expect(page.getByTestId('nav-desk')).toBeVisible();
  await expect(page.getByTestId('nav-floor')).toHaveCount(0);
  const kim = await playwright.request.newContext({ baseURL });
  expect((await kim.post('/v1/agent/login', { data: { email: KIM.email, password: KIM.password } })).status()).toBe(200);
  for (const path of ['/v1/agent/floor', '/v1/agent/gaps', '/v1/agent/gaps/export']) {
    const res = await kim.get(path);
    expect(res.status(), path).toBe(403);
  }
  await kim.dispose();
});
