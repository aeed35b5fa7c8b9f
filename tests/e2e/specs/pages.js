// Page objects for the demo merchant page, the host-page fixtures (/demo/hosts/...), and the widget
// inside its iframe.
const { expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;

/** The WCAG levels the widget is held to. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa'];

/**
 * Runs axe (WCAG 2.1 A and AA) on the page and every frame in it, the widget's cross-origin
 * iframe included (the page must come from `browser.newContext()`). Returns the violations as
 * "rule: targets" lines, and the raw results.
 */
async function axeScan(page) {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const lines = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  return { lines, results };
}

/** Whether axe's results include nodes inside the widget's document (it reached into the iframe). */
function axeSawWidget(results) {
  const all = [...results.passes, ...results.violations, ...results.incomplete];
  return all.some((rule) => rule.nodes.some((n) => JSON.stringify(n.target).includes('tandem-composer-input')));
}

class DemoPage {
  constructor(page) {
    this.page = page;
    this.launcher = page.locator('tandem-widget button.l');
    this.frame = page.frameLocator('tandem-widget iframe');
    this.widget = new Widget(this.frame);
  }
  async goto({ anonymous = false } = {}) {
    await this.page.goto(anonymous ? '/demo/?anonymous=1' : '/demo/');
    await expect(this.launcher).toBeVisible();
    if (!anonymous) await expect(this.page.locator('#signed-in-as')).toContainText('Signed in as Alex');
  }
  async open() {
    await this.launcher.click();
    await expect(this.widget.composer).toBeVisible();
    await expect(this.widget.status).not.toContainText('Connecting');
  }
}

class Widget {
  constructor(frame) {
    this.frame = frame;
    this.composer = frame.getByTestId('composer');
    this.send = frame.getByTestId('send');
    this.log = frame.getByTestId('log');
    this.status = frame.getByTestId('status');
    this.person = frame.getByTestId('talk-to-person');
    this.messages = frame.getByTestId('message');
    this.root = frame.locator('.tandem');
    this.close = frame.locator('.tandem-header__close');
    this.offline = frame.getByTestId('offline');
  }
  /** The conversation's id (the root's data-conversation), once there is one. */
  async conversationId() {
    await expect(this.root).toHaveAttribute('data-conversation', /.+/);
    return this.root.getAttribute('data-conversation');
  }
  async ask(text) {
    await this.composer.fill(text);
    await this.composer.press('Enter');
  }
  assistantMessages() {
    return this.frame.locator('[data-testid="message"][data-author="assistant"]');
  }
  shopperMessages() {
    return this.frame.locator('[data-testid="message"][data-author="shopper"]');
  }
}

/** A host-page fixture from demo/hosts/: `strict`, `css`, `spa`, `onmessage`, `api`, `zoom`, `zoom-out`, `transform`. */
class HostPage extends DemoPage {
  constructor(page, name) {
    super(page);
    this.name = name;
    this.panel = page.locator('tandem-widget [role="dialog"]');
    this.iframe = page.locator('tandem-widget iframe');
    this.badge = page.locator('tandem-widget button.l .b');
  }
  /** Loads the fixture (with an optional query string) and waits for the launcher, unless hidden. */
  async goto(query = '', { launcher = true } = {}) {
    await this.page.goto(`/demo/hosts/${this.name}${query}`);
    if (launcher) await expect(this.launcher).toBeVisible();
  }
  /** The widget's origin (localhost), as opposed to the page's (127.0.0.1). */
  widgetOrigin() {
    const u = new URL(this.page.url());
    return `${u.protocol}//localhost:${u.port}`;
  }
  /** The widget iframe's Frame (to evaluate in it), once it exists. */
  async widgetFrame() {
    await expect(this.iframe).toHaveCount(1);
    const handle = await this.iframe.elementHandle();
    const frame = await handle.contentFrame();
    await frame.waitForLoadState();
    return frame;
  }
  /** Events the api fixture recorded ([name, data] pairs). */
  events() {
    return this.page.evaluate(() => window.events);
  }
  /** Calls the host API on the page. */
  tandem(...args) {
    return this.page.evaluate((a) => window.Tandem(...a), args);
  }
  /** Asks a policy question and waits for the assistant's answer. */
  async askAndExpectAnswer() {
    await this.widget.ask('How do late fees work?');
    await expect(this.widget.shopperMessages().last()).toContainText('How do late fees work?');
    await expect(this.widget.assistantMessages().last()).toContainText(/fee/i);
  }
}

/**
 * Ends the demo shopper's (Alex's) open conversation, if any. An identified shopper's conversation
 * follows them across browsers (the server's `latest`), so without this a test that signs in meets
 * the previous test's conversation. Asks for a person on it, and an agent (Sam, online for the
 * moment) claims and resolves it; the desk is left with both agents as it found them (offline).
 */
async function endDemoShopperConversation(playwright, baseURL) {
  const api = await playwright.request.newContext({ baseURL });
  try {
    const { token: identity } = await (await api.post('/demo/identity-token')).json();
    const session = await api.post('/v1/sessions', { data: { merchant_id: 'nordic-outdoor', identity_token: identity } });
    expect(session.status()).toBe(201);
    const headers = { authorization: `Bearer ${(await session.json()).token}` };
    const latest = await api.get('/v1/conversations/latest', { headers });
    if (latest.status() === 204) return; // no conversation yet
    expect(latest.status()).toBe(200);
    const conversation = await latest.json();
    if (conversation.state.status === 'resolved') return;
    const agent = await playwright.request.newContext({ baseURL });
    expect((await agent.post('/v1/agent/login', { data: { email: 'sam@fjordpay.example', password: 'tandem-demo-sam' } })).status()).toBe(200);
    const wasOnline = (await (await agent.get('/v1/agent/me')).json()).online === true;
    await agent.put('/v1/agent/presence', { data: { online: true } });
    await api.post(`/v1/conversations/${conversation.id}/handoff`, { headers });
    await agent.post(`/v1/agent/conversations/${conversation.id}/claim`);
    expect((await agent.post(`/v1/agent/conversations/${conversation.id}/resolve`)).ok()).toBe(true);
    if (!wasOnline) await agent.put('/v1/agent/presence', { data: { online: false } });
    await agent.dispose();
  } finally {
    await api.dispose();
  }
}

module.exports = { DemoPage, HostPage, Widget, axeScan, axeSawWidget, endDemoShopperConversation, WCAG_TAGS };
