// Page objects for the demo merchant page and the widget inside its iframe.
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

module.exports = { DemoPage, Widget };
