// The host API on window.Tandem, on the api fixture (demo/hosts/api.html): commands before and after
// the loader, events, the unread badge, and the merchant's own button instead of the launcher.
const { test, expect } = require('@playwright/test');
const { HostPage } = require('./pages');

const names = (events) => events.map(([name]) => name);

test('open, close and toggle drive the panel and fire open, close and ready once each', async ({ page }) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const host = new HostPage(page, 'api');
  await host.goto();
  // Nothing of the widget before interest or `open`.
  await page.waitForTimeout(300);
  expect(requests.filter((u) => u.includes('/embed/'))).toEqual([]);
  expect(await host.events()).toEqual([]);

  await host.tandem('open');
  await expect(host.widget.composer).toBeVisible();
  await expect(host.launcher).toHaveAttribute('aria-expanded', 'true');
  await expect.poll(async () => names(await host.events())).toEqual(['open', 'ready']);
  await host.tandem('open'); // already open: nothing happens
  await host.tandem('close');
  await expect(host.iframe).toBeHidden();
  await expect(host.launcher).toHaveAttribute('aria-expanded', 'false');
  await host.tandem('close'); // already closed: nothing happens
  await host.tandem('toggle');
  await expect(host.iframe).toBeVisible();
  await host.tandem('toggle');
  await expect(host.iframe).toBeHidden();
  // The iframe was loaded once and kept.
  expect(requests.filter((u) => u.includes('/embed/?'))).toHaveLength(1);
  expect(names(await host.events())).toEqual(['open', 'ready', 'close', 'open', 'close']);
  // Closing by the widget's own close button is a close too, and focus returns to the launcher.
  await host.tandem('open');
  await host.frame.locator('.tandem-header__close').click();
  await expect(host.iframe).toBeHidden();
  await expect(host.launcher).toBeFocused();
  expect(names(await host.events()).slice(-2)).toEqual(['open', 'close']);
});

test('on and off: handlers come and go, a failing handler does not stop the others, late ready still fires', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto();
  await page.evaluate(() => {
    window.calls = [];
    window.one = () => window.calls.push('one');
    window.Tandem('on', 'open', () => { throw new Error('merchant bug'); });
    window.Tandem('on', 'open', window.one);
    window.Tandem('on', 'open', () => window.calls.push('two'));
    window.Tandem('on', 'open', 'not a function');
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await host.tandem('open');
  await expect.poll(() => page.evaluate(() => window.calls)).toEqual(['one', 'two']);
  await expect.poll(() => errors).toContain('merchant bug');
  await host.tandem('close');
  await page.evaluate(() => window.Tandem('off', 'open', window.one));
  await host.tandem('open');
  await expect.poll(() => page.evaluate(() => window.calls)).toEqual(['one', 'two', 'two']);
  // Subscribing to ready after it happened calls back at once.
  await expect.poll(async () => names(await host.events())).toContain('ready');
  expect(await page.evaluate(() => { let got = false; window.Tandem('on', 'ready', () => { got = true; }); return got; })).toBe(true);
});

test('a reply that arrives while the chat is closed shows an unread badge and fires unread-count', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto();
  await host.open();
  await host.askAndExpectAnswer();
  // Replies while open are read: no badge, no count.
  await host.tandem('close');
  await expect(host.badge).toBeHidden();
  expect(names(await host.events())).not.toContain('unread-count');

  // The shopper asks again in another tab (the same session and conversation) while the panel in
  // this one is closed: the reply reaches this tab's widget through its stream.
  const other = new HostPage(await page.context().newPage(), 'api');
  await other.goto();
  await other.open();
  await expect(other.widget.shopperMessages()).toHaveCount(1);
  await other.widget.ask('When is my next payment?');
  await expect(other.widget.assistantMessages()).toHaveCount(2);
  await expect(host.badge).toBeVisible();
  await expect(host.badge).toHaveText('1');
  await expect(page.locator('#my-count')).toHaveText('1');
  expect((await host.events()).filter(([n]) => n === 'unread-count')).toEqual([['unread-count', 1]]);

  // Opening reads them: the badge goes and the count is 0 again.
  await host.launcher.click();
  await expect(host.badge).toBeHidden();
  await expect(page.locator('#my-count')).toHaveText('0');
  expect((await host.events()).filter(([n]) => n === 'unread-count')).toEqual([['unread-count', 1], ['unread-count', 0]]);
  await expect(host.widget.assistantMessages()).toHaveCount(2);
});

test('hidden launcher: the merchant\'s own button opens and closes the chat, and gets focus back', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto('?hide=1', { launcher: false });
  await page.waitForTimeout(300);
  await expect(host.launcher).toBeHidden();
  const own = page.locator('#my-help');
  await own.click();
  await expect(host.widget.composer).toBeVisible();
  await host.askAndExpectAnswer();
  await host.widget.composer.press('Escape');
  await expect(host.iframe).toBeHidden();
  await expect(own).toBeFocused();
  await expect(host.launcher).toBeHidden();
  await own.click();
  await expect(host.iframe).toBeVisible();
  await own.click();
  await expect(host.iframe).toBeHidden();
});

test('init after load changes the label, side and language without adding history', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto();
  await expect(host.launcher).toHaveText('Payment help'); // from the merchant's configuration
  const before = await host.launcher.boundingBox();
  expect(before.x).toBeGreaterThan(600);
  await host.tandem('init', { label: 'Need help?', position: 'left' });
  await expect(host.launcher).toHaveText('Need help?');
  expect((await host.launcher.boundingBox()).x).toBeLessThan(100);

  await host.open();
  await expect(host.widget.person).toHaveText('Talk to a person');
  const historyLength = await page.evaluate(() => history.length);
  // A new locale while open: a fresh iframe in that language, still open.
  await host.tandem('init', { locale: 'de-DE' });
  await expect(host.widget.person).toHaveText('Mit einem Menschen sprechen');
  await expect(host.iframe).toBeVisible();
  await expect(host.iframe).toHaveCount(1);
  expect(await page.evaluate(() => history.length)).toBe(historyLength);
  // Back still leaves the page, not the iframe.
  await page.goBack();
  expect(page.url()).not.toContain('/demo/hosts/api');
});

test('open works before <body> exists, and a second copy of the loader changes nothing', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto('?early=1', { launcher: false });
  expect(await page.evaluate(() => window.bodyAtEarlyOpen)).toBe(false);
  await expect(host.widget.composer).toBeVisible();
  await expect(host.launcher).toHaveAttribute('aria-expanded', 'true');
  await page.addScriptTag({ url: `${host.widgetOrigin()}/widget.js` });
  await page.waitForTimeout(300);
  await expect(page.locator('tandem-widget')).toHaveCount(1);
  await host.tandem('close');
  await expect(host.iframe).toBeHidden();
});

test('handoff fires when the shopper asks for a person; shutdown forgets the conversation', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto();
  await host.open();
  await host.askAndExpectAnswer();
  await host.widget.person.click();
  await expect.poll(async () => names(await host.events())).toContain('handoff');
  // Queued, or awaiting a reply when no agent is online.
  await expect(host.widget.status).toHaveAttribute('data-state', /queued|awaiting_reply/);

  await host.tandem('shutdown');
  await expect(host.iframe).toBeHidden();
  const after = names(await host.events());
  expect(after.slice(after.indexOf('handoff'))).toContain('close');
  await host.tandem('open');
  await expect(host.widget.composer).toBeVisible();
  await expect(host.widget.status).not.toContainText('Connecting');
  await expect(host.widget.messages).toHaveCount(0);
});

test('message events say who wrote, never what (needs the widget\'s message notice)', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto();
  await host.open();
  await host.askAndExpectAnswer();
  await expect.poll(async () => (await host.events()).filter(([n]) => n === 'message')).toContainEqual(['message', { author: 'assistant' }]);
  const json = JSON.stringify(await host.events());
  expect(json).not.toContain('late fee');
});

test('a refused identity token (here one signed for another shop) leaves the shopper signed out, not stuck, and tells the host', async ({ page, request }) => {
  const { token } = await (await request.post('/demo/identity-token?merchant=fjell-sport')).json();
  const host = new HostPage(page, 'api');
  await host.goto();
  await host.tandem('identify', token);
  await host.tandem('open');
  await expect(host.widget.composer).toBeVisible();
  await expect.poll(async () => names(await host.events())).toContain('identity-expired');
  // The chat works, signed out: an account question is answered with the sign-in advice.
  await host.widget.ask('When is my next payment?');
  await expect(host.widget.assistantMessages().last()).toContainText("You're not signed in");
});
