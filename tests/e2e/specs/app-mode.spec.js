// App mode: the provider's native app opens `/embed/?mode=app&merchant=...#token=<identity JWT>` in a
// web view. The widget talks to the native bridge (iOS: window.webkit.messageHandlers.tandem, which
// receives objects; Android: window.TandemAndroid, which receives JSON text), uses the identity from
// the fragment (and removes it from the address), exposes window.TandemApp, and fills the screen.
const { test, expect, devices } = require('@playwright/test');
const { Widget, axeScan, axeSawWidget, endDemoShopperConversation } = require('./pages');
const { resetDesk } = require('./agent');

// The signed-in demo shopper's conversation follows them: start each test, and leave the spec
// files after this one, without an open one.
test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
  await endDemoShopperConversation(playwright, baseURL);
});
test.afterAll(async ({ playwright }, testInfo) => {
  await endDemoShopperConversation(playwright, testInfo.project.use.baseURL);
});

/** The two bridges, as init scripts that record what the widget posts in window.__events. */
const BRIDGES = {
  ios: () => {
    window.__events = [];
    window.__raw = [];
    window.webkit = { messageHandlers: { tandem: { postMessage: (m) => { window.__raw.push(typeof m); window.__events.push(JSON.parse(JSON.stringify(m))); } } } };
  },
  android: () => {
    window.__events = [];
    window.__raw = [];
    window.TandemAndroid = { postMessage: (s) => { window.__raw.push(typeof s); window.__events.push(JSON.parse(s)); } };
  },
};

const PHONES = [
  { name: 'iPhone 13', bridge: 'ios', raw: 'object' },
  { name: 'Pixel 7', bridge: 'android', raw: 'string' },
];

/** The widget's origin (localhost, as the app would load it from the provider). */
function widgetOrigin(baseURL) {
  const u = new URL(baseURL);
  return `${u.protocol}//localhost:${u.port}`;
}

async function identityToken(request) {
  const res = await request.post('/demo/identity-token');
  expect(res.status()).toBe(200);
  const { token } = await res.json();
  expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  return token;
}

/** A phone context with the native bridge stubbed, and the app page opened (with a token or not). */
async function openApp(browser, baseURL, phone, token) {
  // Chromium runs the emulation; the descriptor's own browser type does not apply here.
  const { defaultBrowserType, ...descriptor } = devices[phone.name];
  const context = await browser.newContext(descriptor);
  const page = await context.newPage();
  await page.addInitScript(BRIDGES[phone.bridge]);
  const url = `${widgetOrigin(baseURL)}/embed/?mode=app&merchant=nordic-outdoor${token ? `#token=${token}` : ''}`;
  await page.goto(url);
  const widget = new Widget(page.mainFrame());
  await expect(widget.composer).toBeVisible();
  await expect(widget.status).not.toContainText('Connecting');
  return { context, page, widget, events: () => page.evaluate(() => window.__events), descriptor };
}

for (const phone of PHONES) {
  test.describe(`app mode on ${phone.name}`, () => {
    test('ready, identity from the fragment, close, handoff and message events through the native bridge', async ({ browser, baseURL, request }) => {
      const token = await identityToken(request);
      const app = await openApp(browser, baseURL, phone, token);
      const { page, widget } = app;

      // Ready arrives through the bridge in the platform's form.
      await expect.poll(app.events).toContainEqual({ source: 'tandem', type: 'ready' });
      expect(await page.evaluate(() => window.__raw[0])).toBe(phone.raw);
      // The token is gone from the address (and from history).
      expect(page.url()).not.toContain('token=');
      expect(await page.evaluate(() => location.href)).not.toContain('#');
      expect(await page.evaluate(() => location.href)).toContain('mode=app');

      // The identity from the fragment is used: the account's answer.
      await widget.ask('When is my next payment?');
      await expect(widget.assistantMessages().first()).toContainText('€50.00');
      // `message` events say who, never what.
      await expect.poll(async () => (await app.events()).filter((e) => e.type === 'message'))
        .toContainEqual({ source: 'tandem', type: 'message', author: 'assistant' });
      for (const e of (await app.events()).filter((m) => m.type === 'message')) {
        expect(Object.keys(e).sort()).toEqual(['author', 'source', 'type']);
      }
      const json = JSON.stringify(await app.events());
      expect(json).not.toContain('50.00');
      expect(json).not.toContain('next payment');

      // The close button asks the app to close the screen.
      const close = page.getByRole('button', { name: 'Close chat' });
      await expect(close).toBeVisible();
      await close.click();
      await expect.poll(app.events).toContainEqual({ source: 'tandem', type: 'close' });
      // "Talk to a person" tells the app.
      await widget.person.click();
      await expect.poll(app.events).toContainEqual({ source: 'tandem', type: 'handoff' });
      await expect(widget.status).toHaveAttribute('data-state', /queued|awaiting_reply/);
      // Every event is one of the documented kinds, from tandem.
      for (const e of await app.events()) {
        expect(e.source).toBe('tandem');
        expect(['ready', 'close', 'unread', 'handoff', 'message']).toContain(e.type);
      }
      // Nothing was posted to a parent window (there is none in a web view).
      expect(await page.evaluate(() => window.parent === window)).toBe(true);
      await app.context.close();
    });

    test('full screen, 16 px composer, 44 px targets, and no axe violations', async ({ browser, baseURL, request }) => {
      const app = await openApp(browser, baseURL, phone, await identityToken(request));
      const { page, widget } = app;
      const { width, height } = app.descriptor.viewport;
      expect(await widget.root.boundingBox()).toEqual({ x: 0, y: 0, width, height });
      await expect(widget.composer).toHaveCSS('font-size', '16px');
      for (const target of [widget.person, widget.send, widget.close]) {
        const b = await target.boundingBox();
        expect(b.height, 'touch target height').toBeGreaterThanOrEqual(44);
        expect(b.width, 'touch target width').toBeGreaterThanOrEqual(44);
      }
      // The composer is at the bottom of the screen, the header at the top.
      const composer = await page.locator('.tandem-composer').boundingBox();
      expect(Math.round(composer.y + composer.height)).toBe(height);
      expect((await page.locator('.tandem-header').boundingBox()).y).toBe(0);
      const { lines, results } = await axeScan(page);
      expect(lines).toEqual([]);
      expect(axeSawWidget(results)).toBe(true);
      await app.context.close();
    });

    test('window.TandemApp.identify(token) signs an anonymous chat in', async ({ browser, baseURL, request }) => {
      const app = await openApp(browser, baseURL, phone, null);
      const { page, widget } = app;
      await expect.poll(app.events).toContainEqual({ source: 'tandem', type: 'ready' });
      expect(await page.evaluate(() => typeof window.TandemApp)).toBe('object');
      expect(await page.evaluate(() => [typeof window.TandemApp.identify, typeof window.TandemApp.shutdown])).toEqual(['function', 'function']);
      // Anonymous: no account data.
      await widget.ask('When is my next payment?');
      await expect(widget.assistantMessages().first()).toBeVisible();
      await expect(widget.assistantMessages().first()).not.toContainText('€50.00');

      const token = await identityToken(request);
      await page.evaluate((t) => window.TandemApp.identify(t), token);
      // Signed in: a fresh, identified conversation that knows the account.
      await expect(widget.messages).toHaveCount(0);
      await expect(widget.status).not.toContainText('Connecting');
      await widget.ask('When is my next payment?');
      await expect(widget.assistantMessages().first()).toContainText('€50.00');
      await app.context.close();
    });
  });
}
