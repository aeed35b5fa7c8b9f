// Admins manage agents in the console: Sam (admin) opens Agents, changes Kim's languages and role
// (restored at the end: the e2e server is shared by every spec), adds an agent (a unique email per
// run), sees the server's refusal of a duplicate in words, disables the new agent after a
// confirmation (their session ends) and enables them again; axe finds nothing on the page. Kim
// (agent) has no Agents link and the admin API refuses her.
const { test, expect } = require('@playwright/test');
const { axeScan } = require('./pages');
const { ConsolePage, SAM, KIM } = require('./agent');

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const NEW = { email: `lee-${RUN}@fjordpay.example`, name: `Lee ${RUN}`, password: 'tandem-lee-password' };

/** Sam's API context (logged in). */
async function samApi(playwright, baseURL) {
  const sam = await playwright.request.newContext({ baseURL });
  expect((await sam.post('/v1/agent/login', { data: { email: SAM.email, password: SAM.password } })).status()).toBe(200);
  return sam;
}

/** The agent with this email as the admin API lists them. */
async function listed(api, email) {
  const res = await api.get('/v1/admin/agents');
  expect(res.status()).toBe(200);
  return (await res.json()).find((a) => a.email === email);
}

test('Sam manages agents: Kim\'s languages and role, a new agent added, disabled and enabled; axe finds nothing', async ({ page, playwright, baseURL }) => {
  const sam = await samApi(playwright, baseURL);
  const kimBefore = await listed(sam, KIM.email);
  expect(kimBefore.role).toBe('agent');
  try {
    const desk = new ConsolePage(page);
    await desk.login(SAM);
    await page.getByTestId('nav-agents').click();
    await expect(page.getByTestId('nav-agents')).toHaveAttribute('aria-current', 'page');
    const kim = page.locator(`[data-testid="agent-row"][data-email="${KIM.email}"]`);
    await expect(kim).toContainText('Kim');
    await expect(kim.getByTestId('agent-languages')).toHaveValue(kimBefore.languages.join(', '));
    await expect(kim.getByTestId('agent-role')).toHaveValue('agent');
    await expect(kim.getByTestId('agent-load')).toHaveText(`${kimBefore.load} of ${kimBefore.capacity}`);
    // Sam cannot take his own admin role or disable himself here.
    const own = page.locator(`[data-testid="agent-row"][data-email="${SAM.email}"]`);
    await expect(own.getByTestId('agent-role')).toBeDisabled();
    await expect(own.getByTestId('agent-disable')).toHaveCount(0);

    // Languages, saved from the keyboard (Enter in the field).
    const languages = page.getByRole('textbox', { name: 'Languages of Kim' });
    await languages.fill('de, sv');
    await languages.press('Enter');
    await expect(page.getByTestId('console-status')).toContainText('Kim speaks de, sv.');
    await expect(kim.getByTestId('agent-languages')).toHaveValue('de, sv');
    await expect(kim.getByTestId('agent-languages')).toBeFocused();
    expect((await listed(sam, KIM.email)).languages).toEqual(['de', 'sv']);
    // A bad code: the server's sentence, and the stored languages unchanged.
    await languages.fill('de, s v');
    await kim.getByTestId('agent-languages-save').click();
    await expect(page.getByTestId('console-status')).toContainText("'s v' is not a language code");
    await expect(kim.getByTestId('agent-languages')).toHaveValue('de, sv');

    // Role.
    await page.getByRole('combobox', { name: 'Role of Kim' }).selectOption('supervisor');
    await expect(page.getByTestId('console-status')).toContainText('Kim is now supervisor.');
    await expect(kim.getByTestId('agent-role')).toHaveValue('supervisor');
    expect((await listed(sam, KIM.email)).role).toBe('supervisor');

    // A new agent.
    const form = page.getByTestId('agent-add');
    await form.getByLabel('Email').fill(NEW.email);
    await form.getByLabel('Display name').fill(NEW.name);
    await form.getByLabel('Initial password').fill(NEW.password);
    await form.getByLabel('Capacity').fill('4');
    await form.getByLabel('Role').selectOption('agent');
    await form.getByLabel('Languages').fill('en, ar');
    await form.getByTestId('agent-add-save').click();
    await expect(page.getByTestId('console-status')).toContainText(`Added ${NEW.name} (${NEW.email}).`);
    const lee = page.locator(`[data-testid="agent-row"][data-email="${NEW.email}"]`);
    await expect(lee).toContainText(NEW.name);
    await expect(lee.getByTestId('agent-languages')).toHaveValue('en, ar');
    await expect(lee.getByTestId('agent-state')).toHaveText('Offline');
    await expect(lee.getByTestId('agent-load')).toHaveText('0 of 4');
    // The same email again: the server's refusal, in words, in the form.
    await form.getByLabel('Email').fill(NEW.email);
    await form.getByLabel('Display name').fill(NEW.name);
    await form.getByLabel('Initial password').fill(NEW.password);
    await form.getByTestId('agent-add-save').click();
    await expect(form.getByTestId('agent-add-error')).toContainText('an agent with this email exists');

    // The new agent logs in; Sam disables them after confirming, which ends their session.
    const leeApi = await playwright.request.newContext({ baseURL });
    expect((await leeApi.post('/v1/agent/login', { data: { email: NEW.email, password: NEW.password } })).status()).toBe(200);
    await lee.getByTestId('agent-disable').click();
    await expect(lee.getByTestId('agent-disable-confirm')).toBeFocused();
    await lee.getByTestId('agent-disable-cancel').click();
    await expect(lee.getByTestId('agent-disable')).toBeFocused();
    await expect(lee.getByTestId('agent-state')).toHaveText('Offline');
    await page.keyboard.press('Enter');
    await expect(lee.getByTestId('agent-disable-confirm')).toBeFocused();
    const { lines } = await axeScan(page);
    expect(lines, 'axe violations on the agents page (confirmation open)').toEqual([]);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('console-status')).toContainText(`${NEW.name} is disabled`);
    await expect(lee.getByTestId('agent-state')).toHaveText('Disabled');
    await expect(lee.getByTestId('agent-enable')).toBeFocused();
    expect((await leeApi.get('/v1/agent/me')).status()).toBe(401);
    expect((await leeApi.post('/v1/agent/login', { data: { email: NEW.email, password: NEW.password } })).status()).toBe(401);
    await lee.getByTestId('agent-enable').click();
    await expect(page.getByTestId('console-status')).toContainText(`${NEW.name} is enabled`);
    await expect(lee.getByTestId('agent-state')).toHaveText('Offline');
    expect((await leeApi.post('/v1/agent/login', { data: { email: NEW.email, password: NEW.password } })).status()).toBe(200);
    await leeApi.dispose();

    // Kim back to agent from the console.
    await page.getByRole('combobox', { name: 'Role of Kim' }).selectOption('agent');
    await expect(page.getByTestId('console-status')).toContainText('Kim is now agent.');
    expect((await listed(sam, KIM.email)).role).toBe('agent');
    const after = await axeScan(page);
    expect(after.lines, 'axe violations on the agents page').toEqual([]);
  } finally {
    // Whatever happened above, the shared server is left as it was: Kim as before, the new agent disabled.
    expect((await sam.put(`/v1/admin/agents/${KIM.email}/languages`, { data: { languages: kimBefore.languages } })).status()).toBe(204);
    expect((await sam.put(`/v1/admin/agents/${KIM.email}/role`, { data: { role: kimBefore.role } })).status()).toBe(204);
    if (await listed(sam, NEW.email)) expect((await sam.post(`/v1/admin/agents/${NEW.email}/disable`)).status()).toBe(204);
    await sam.dispose();
  }
});

test('Kim (agent) has no Agents link, and the admin API refuses her', async ({ page, playwright, baseURL }) => {
  const desk = new ConsolePage(page);
  await desk.login(KIM);
  await expect(page.getByTestId('nav-history')).toBeVisible();
  await expect(page.getByTestId('nav-agents')).toHaveCount(0);
  const kim = await playwright.request.newContext({ baseURL });
  expect((await kim.post('/v1/agent/login', { data: { email: KIM.email, password: KIM.password } })).status()).toBe(200);
  expect((await kim.get('/v1/admin/agents')).status()).toBe(403);
  expect((await kim.put(`/v1/admin/agents/${KIM.email}/role`, { data: { role: 'admin' } })).status()).toBe(403);
  await kim.dispose();
});
