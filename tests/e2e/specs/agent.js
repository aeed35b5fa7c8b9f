// The agent side of end-to-end tests: the console page object and API helpers.
const { expect } = require('@playwright/test');

const SAM = { email: 'sam@fjordpay.example', password: 'tandem-demo-sam', name: 'Sam' };
const KIM = { email: 'kim@fjordpay.example', password: 'tandem-demo-kim', name: 'Kim' };

/** Logs an agent in through the API (the request context's own cookie jar) and puts them online. */
async function agentOnline(request, email, password) {
  const login = await request.post('/v1/agent/login', { data: { email, password } });
  expect(login.status()).toBe(200);
  const presence = await request.put('/v1/agent/presence', { data: { online: true } });
  expect(presence.status()).toBe(200);
  return request;
}

/**
 * Leaves the shared test server's desk empty: every waiting or held conversation resolved, both
 * demo agents offline. Tests start from an empty queue whatever ran before them.
 */
async function resetDesk(playwright, baseURL) {
  for (const agent of [SAM, KIM]) {
    const api = await playwright.request.newContext({ baseURL });
    await agentOnline(api, agent.email, agent.password);
    await api.put('/v1/agent/presence', { data: { online: true, capacity: 10 } });
    for (let i = 0; i < 50; i++) {
      const mine = await (await api.get('/v1/agent/conversations')).json();
      for (const item of mine) await api.post(`/v1/agent/conversations/${item.conversation_id}/resolve`);
      const queue = await (await api.get('/v1/agent/queue')).json();
      if (!queue.items.length) break;
      for (const item of queue.items.slice(0, 5)) await api.post(`/v1/agent/conversations/${item.conversation_id}/claim`);
    }
    await api.put('/v1/agent/presence', { data: { online: false, capacity: 3 } });
    await api.dispose();
  }
}

class ConsolePage {
  constructor(page) {
    this.page = page;
    this.status = page.getByTestId('agent-status');
    this.presence = page.getByTestId('presence-toggle');
    this.queue = page.getByTestId('queue');
    this.transcript = page.getByTestId('transcript');
    this.summary = page.getByTestId('summary');
    this.account = page.getByTestId('account');
    this.reply = page.getByTestId('reply');
  }
  async login(agent) {
    await this.page.goto('/console/');
    await this.page.getByTestId('login-email').fill(agent.email);
    await this.page.getByTestId('login-password').fill(agent.password);
    await this.page.getByTestId('login-submit').click();
    await expect(this.status).toContainText(agent.name);
  }
  async goOnline() {
    await expect(this.presence).toHaveAttribute('aria-pressed', 'false');
    await this.presence.click();
    await expect(this.presence).toHaveAttribute('aria-pressed', 'true');
    await expect(this.status).toContainText('Online');
  }
  async goOffline() {
    await this.presence.click();
    await expect(this.presence).toHaveAttribute('aria-pressed', 'false');
  }
  item(conversationId) {
    return this.page.locator(`[data-testid="queue-item"][data-conversation-id="${conversationId}"]`);
  }
  async claim(conversationId) {
    await this.item(conversationId).getByTestId('claim').click();
    await expect(this.page.locator(`[data-testid="my-conversation"][data-conversation-id="${conversationId}"]`)).toBeVisible();
  }
  async send(text) {
    await this.reply.fill(text);
    await this.reply.press('Enter');
  }
  messages(author) {
    return this.transcript.locator(`[data-testid="message"][data-author="${author}"]`);
  }
}

/** A console in its own browser context, logged in as `who` and (unless told otherwise) online. */
async function openConsole(browser, who, { online = true, contextOptions = {} } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const desk = new ConsolePage(page);
  await desk.login(who);
  if (online) await desk.goOnline();
  return { context, page, desk };
}

module.exports = { agentOnline, resetDesk, openConsole, ConsolePage, SAM, KIM };
