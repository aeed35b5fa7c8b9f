// Page objects for the demo merchant page, the host-page fixtures (/demo/hosts/...), and the widget
// inside its iframe.
const { expect } = require('@playwright/test');

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

/** A host-page fixture from demo/hosts/: `strict`, `css`, `spa`, `onmessage`, `api`. */
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

module.exports = { DemoPage, HostPage, Widget };
