// The walking skeleton end to end: lazy loading, asking, the person button, reload, accessibility.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { DemoPage } = require('./pages');
const { agentOnline, resetDesk } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
});

test('no widget code is fetched before the shopper shows interest', async ({ page }) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const demo = new DemoPage(page);
  await demo.goto();
  await page.waitForTimeout(1000);
  expect(requests.filter((u) => u.endsWith('.wasm'))).toEqual([]);
  expect(requests.filter((u) => u.includes('/embed/'))).toEqual([]);
  // Hovering the launcher is interest: the widget starts loading.
  const wasm = page.waitForRequest((r) => r.url().endsWith('.wasm'));
  await demo.launcher.hover();
  await wasm;
});

test('a question gets an answer from the account, and a reload restores the conversation', async ({ page }) => {
  const demo = new DemoPage(page);
  await demo.goto();
  await demo.open();
  await expect(demo.widget.composer).toBeFocused();
  await demo.widget.ask('When is my next payment?');
  await expect(demo.widget.shopperMessages().first()).toContainText('When is my next payment?');
  const answer = demo.widget.assistantMessages().first();
  await expect(answer).toContainText('€50.00');
  await expect(answer).toContainText('FP-1001');
  // The shopper's message shows it was delivered (no "Sending…" and no failure left).
  await expect(demo.widget.shopperMessages().first().getByTestId('delivery')).not.toContainText('Sending');

  await page.reload();
  await demo.open();
  await expect(demo.widget.shopperMessages()).toHaveCount(1);
  await expect(demo.widget.shopperMessages().first()).toContainText('When is my next payment?');
  await expect(demo.widget.assistantMessages().first()).toContainText('€50.00');
});

test('"Talk to a person" is always there and shows the queued state', async ({ page, request }) => {
  // A person is on duty, so the shopper queues (with nobody online they would leave a message).
  await agentOnline(request, 'sam@fjordpay.example', 'tandem-demo-sam');
  const demo = new DemoPage(page);
  await demo.goto({ anonymous: true });
  await demo.open();
  await expect(demo.widget.person).toBeVisible();
  await demo.widget.person.click();
  await expect(demo.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(demo.widget.status).toContainText("You're in the queue for a person.");
  await expect(demo.widget.status).toContainText('Position 1');
  await expect(demo.widget.status).toContainText('Estimated wait');
  await expect(demo.widget.person).toBeVisible();
  // The state survives a reload too.
  await page.reload();
  await demo.open();
  await expect(demo.widget.status).toHaveAttribute('data-state', 'queued');
});

test('Escape closes the widget and focus returns to the launcher', async ({ page }) => {
  const demo = new DemoPage(page);
  await demo.goto({ anonymous: true });
  await demo.open();
  await demo.widget.composer.press('Escape');
  await expect(page.locator('tandem-widget iframe')).toBeHidden();
  await expect(demo.launcher).toBeFocused();
  await expect(demo.launcher).toHaveAttribute('aria-expanded', 'false');
});

test('the open widget has no axe violations (WCAG 2.1 A and AA)', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const demo = new DemoPage(page);
  await demo.goto();
  await demo.open();
  await demo.widget.ask('How do late fees work?');
  await expect(demo.widget.assistantMessages().first()).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await context.close();
});

test('a message typed while the chat is still starting is sent once it is ready', async ({ page }) => {
  // Slow start: the start-up call takes a while. The shopper types at once; nothing is lost, even
  // though this browser gives the widget's iframe no storage to keep an outbox in.
  await page.route('**/v1/start', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  const demo = new DemoPage(page);
  await demo.goto({ anonymous: true });
  await demo.launcher.click();
  await expect(demo.widget.composer).toBeVisible();
  await expect(demo.widget.status).toContainText('Connecting');
  await demo.widget.ask('How do late fees work?');
  await expect(demo.widget.shopperMessages()).toHaveCount(1);
  await expect(demo.widget.assistantMessages().first()).toContainText('€7');
  await expect(demo.widget.shopperMessages().first().getByTestId('delivery')).not.toContainText('Sending');
});

test('a first visit makes no request the browser reports as failed', async ({ page }) => {
  const failed = [];
  const ours = (url) => /\/v1\/|\/embed\/|widget\.js/.test(url);
  page.on('response', (r) => { if (r.status() >= 400 && ours(r.url())) failed.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => { if (ours(r.url())) failed.push(`failed ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error' && !/favicon/.test(m.location().url || '')) failed.push(`console: ${m.text()}`); });
  const demo = new DemoPage(page);
  await demo.goto({ anonymous: true });
  await demo.open();
  await demo.widget.ask('How do late fees work?');
  await expect(demo.widget.assistantMessages().last()).toContainText(/fee/i);
  expect(failed).toEqual([]);
});

// Start-up is one round trip: after the frame loads, the widget makes one API call (POST /v1/start)
// before it opens the conversation's stream. The merchant's public config is read on its own, in
// parallel (by the loader for the launcher, and by the widget for the title and theme), so it is
// not counted.
for (const anonymous of [true, false]) {
  test(`a first open makes exactly one API call before the stream (${anonymous ? 'visitor' : 'signed in'})`, async ({ page }) => {
    const calls = [];
    page.on('request', (r) => {
      const { pathname } = new URL(r.url());
      if (pathname.startsWith('/v1/') && !/^\/v1\/merchants\/[^/]+\/config$/.test(pathname)) calls.push(`${r.method()} ${pathname}`);
    });
    const demo = new DemoPage(page);
    await demo.goto({ anonymous });
    await demo.open();
    await expect.poll(() => calls.some((c) => c.endsWith('/events'))).toBe(true);
    const beforeStream = calls.slice(0, calls.findIndex((c) => c.endsWith('/events')));
    expect(beforeStream).toEqual(['POST /v1/start']);
    // And the conversation works, signed in from the account when the page identified the shopper.
    await demo.widget.ask('When is my next payment?');
    if (anonymous) await expect(demo.widget.assistantMessages().first()).toBeVisible();
    else await expect(demo.widget.assistantMessages().first()).toContainText('€50.00');
  });
}
