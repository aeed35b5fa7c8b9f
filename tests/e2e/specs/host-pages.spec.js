// Hostile host pages (demo/hosts/, served by the demo server): a strict CSP, aggressive global CSS,
// a single-page app with its own router, and a page with its own onmessage and Tandem-like globals.
// On each, the launcher stays clickable, the widget answers a question, and the page keeps working.
// Also: the merchant's theme from the server (contrast-corrected), right-to-left Arabic, and phones.
const fs = require('node:fs');
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { HostPage } = require('./pages');

/** Collects CSP violations and page errors from before the page's first script runs. */
async function watch(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

/** The CSP additions the README documents for merchants, with the widget's origin in place. */
function documentedAdditions(widgetOrigin) {
  const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const m = readme.match(/CSP additions[^`]*`([^`]+)`/);
  expect(m, 'README documents the CSP additions').toBeTruthy();
  return m[1].split(';').map((d) => d.trim()).filter(Boolean)
    .map((d) => d.replaceAll('https://chat.provider.example', widgetOrigin).split(/\s+/));
}

test('strict CSP page: default-src \'self\' plus exactly the documented additions, and no violations', async ({ page }) => {
  const errors = await watch(page);
  const host = new HostPage(page, 'strict');
  const response = await page.goto('/demo/hosts/strict');
  const origin = host.widgetOrigin();
  // The policy is the documented one, nothing more: each added directive starts from default-src.
  const expected = ["default-src 'self'", ...documentedAdditions(origin).map(([d, ...src]) => `${d} 'self' ${src.join(' ')}`)].join('; ');
  expect(response.headers()['content-security-policy']).toBe(expected);
  expect(expected).toContain(`connect-src 'self' ${origin}`);

  // The launcher shows the label from the merchant's configuration (the page sets none): the
  // config fetch passed connect-src.
  await expect(host.launcher).toBeVisible();
  await expect(host.launcher).toHaveText('Payment help');
  await host.open();
  await host.askAndExpectAnswer();
  expect(await page.evaluate(() => window.__violations)).toEqual([]);
  expect(errors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
});

test('aggressive global CSS: the launcher and the chat stay visible, full size and on top', async ({ page }) => {
  const host = new HostPage(page, 'css');
  await host.goto();
  // `* { all: unset }`, `button { display: none !important }`, `tandem-widget { display: none !important }`,
  // and a promo sheet at z-index 2147483647 over the corner: the launcher is still what a click hits.
  const box = await host.launcher.boundingBox();
  expect(box.width).toBeGreaterThan(80);
  expect(box.height).toBeGreaterThanOrEqual(44);
  const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y).localName, [box.x + box.width / 2, box.y + box.height / 2]);
  expect(hit).toBe('tandem-widget');
  await expect(host.launcher).toHaveCSS('display', 'flex');
  await host.open(); // a real click: Playwright fails it if anything else would receive it
  // `iframe { width: 10px !important; visibility: hidden !important }` does not reach the widget.
  const frameBox = await host.iframe.boundingBox();
  expect(frameBox.width).toBeGreaterThanOrEqual(300);
  expect(frameBox.height).toBeGreaterThanOrEqual(400);
  await expect(host.iframe).toBeVisible();
  await host.askAndExpectAnswer();
  // The page keeps working beside the open chat.
  await page.locator('#buy').click();
  await expect(page.locator('#bought-state')).toHaveText('bought');
  await expect(host.widget.composer).toBeVisible();
});

test('single-page app: its links and history are its own, and the widget survives its re-renders', async ({ page }) => {
  const host = new HostPage(page, 'spa');
  await host.goto();
  const title = page.locator('#route-title');
  await expect(title).toHaveText('Home');
  const historyLength = () => page.evaluate(() => history.length);
  const start = await historyLength();

  await page.locator('#link-orders').click();
  await expect(title).toHaveText('Your orders');
  await expect(page).toHaveURL(/\/demo\/hosts\/spa\/orders$/);
  expect(await historyLength()).toBe(start + 1);

  // Opening the chat, loading the iframe and chatting add no history entry and navigate nothing.
  await host.open();
  await host.askAndExpectAnswer();
  expect(await historyLength()).toBe(start + 1);
  await expect(page).toHaveURL(/\/demo\/hosts\/spa\/orders$/);
  expect(await page.evaluate(() => window.spa.navigations)).toBe(1);
  const frame = await host.widgetFrame();
  await frame.evaluate(() => { window.__sameDocument = true; });

  // The router replaces everything in <body>; its links still work with the chat open.
  await page.locator('#link-jackets').click();
  await expect(title).toHaveText('Jackets');
  expect(await historyLength()).toBe(start + 2);
  expect(await page.evaluate(() => window.spa.renders)).toBe(3);
  await expect(host.launcher).toBeVisible();
  await expect(host.widget.composer).toBeVisible();
  await expect(host.widget.assistantMessages().last()).toContainText(/fee/i);
  // Same iframe document: the chat was not reloaded by the re-render.
  expect(await frame.evaluate(() => window.__sameDocument)).toBe(true);

  // Back and forward belong to the app.
  await page.goBack();
  await expect(title).toHaveText('Your orders');
  await page.goBack();
  await expect(title).toHaveText('Home');
  await page.goForward();
  await expect(title).toHaveText('Your orders');
  await expect(host.launcher).toBeVisible();
  await host.launcher.click(); // closes
  await expect(host.iframe).toBeHidden();
  await expect(title).toHaveText('Your orders');
  expect(await page.evaluate(() => window.spa.navigations)).toBe(2);
});

test('own window.onmessage and Tandem-like globals: both the page and the widget keep working', async ({ page }) => {
  const host = new HostPage(page, 'onmessage');
  await host.goto();
  // The page's own `Tandem` object (which even says loaded: true) did not stop the loader, which
  // took the documented name; the page's other names are untouched.
  expect(await page.evaluate(() => typeof window.Tandem)).toBe('function');
  expect(await page.evaluate(() => [window.tandem.open(), window.TandemWidget(), open(), close(), toggle(), on, api, frame, ready]))
    .toEqual(['host open', 'host widget', 'host open()', 'host close()', 'host toggle()', 'host on', 'host api', 'host frame', 'host ready']);

  await host.open();
  await host.askAndExpectAnswer();
  // The page's handler still receives its own messages.
  await page.evaluate(() => window.postMessage({ app: 'host', n: 7 }, '*'));
  await expect.poll(() => page.evaluate(() => window.hostMessages)).toEqual([7]);
  // Messages shaped like the widget's but not from the widget's iframe are ignored.
  await page.evaluate(() => {
    window.postMessage({ source: 'tandem', type: 'close' }, '*');
    window.postMessage({ source: 'tandem', type: 'unread', count: 99 }, '*');
  });
  await expect.poll(() => page.evaluate(() => window.hostMessages.length)).toBe(1);
  await page.waitForTimeout(200);
  await expect(host.iframe).toBeVisible();
  await host.launcher.click();
  await expect(host.iframe).toBeHidden();
  await page.evaluate(() => window.postMessage({ source: 'tandem', type: 'unread', count: 99 }, '*'));
  await page.waitForTimeout(200);
  await expect(host.badge).toBeHidden();
  // And the API works by the documented name.
  await page.evaluate(() => window.Tandem('open'));
  await expect(host.widget.composer).toBeVisible();
});

test('the merchant\'s theme comes from the server, with unreadable text corrected to pass WCAG AA', async ({ page, request }) => {
  // Fjell Sport is configured with white on yellow (1.1:1); the server stores black instead.
  const config = await (await request.get('/v1/merchants/fjell-sport/config')).json();
  expect(config.theme).toEqual({ accent: '#ffd400', on_accent: '#000000', position: 'left', launcher_label: 'Hjälp med betalning' });

  const host = new HostPage(page, 'api');
  await host.goto('?merchant=fjell-sport');
  await expect(host.launcher).toHaveText('Hjälp med betalning');
  await expect(host.launcher).toHaveCSS('background-color', 'rgb(255, 212, 0)');
  await expect(host.launcher).toHaveCSS('color', 'rgb(0, 0, 0)');
  const box = await host.launcher.boundingBox();
  expect(box.x).toBeLessThan(100); // on the left
});

test('the widget applies the merchant\'s theme colours (needs the app.rs theme change)', async ({ page }) => {
  const host = new HostPage(page, 'api');
  await host.goto('?merchant=fjell-sport');
  await host.open();
  const header = host.frame.locator('.tandem-header');
  await expect(header).toHaveCSS('background-color', 'rgb(255, 212, 0)');
  await expect(header).toHaveCSS('color', 'rgb(0, 0, 0)');
});

test('the page language picks the widget\'s language; Arabic is right to left and mirrored', async ({ page }) => {
  const sv = new HostPage(page, 'api');
  await sv.goto('?lang=sv-SE');
  await sv.open();
  await expect(sv.widget.person).toHaveText('Prata med en person');
  await expect(sv.widget.composer).toHaveAttribute('placeholder', 'Skriv din fråga…');

  await page.goto('about:blank');
  const ar = new HostPage(page, 'api');
  await ar.goto('?lang=ar');
  await ar.open();
  const root = ar.frame.locator('.tandem');
  await expect(root).toHaveAttribute('dir', 'rtl');
  await expect(ar.widget.person).toHaveText('التحدث إلى شخص');
  await ar.widget.ask('How do late fees work?');
  const mine = ar.widget.shopperMessages().last();
  const theirs = ar.widget.assistantMessages().last();
  await expect(theirs).toBeVisible();
  // Mirrored: the shopper's bubble sits on the left, the assistant's on the right.
  const log = await ar.widget.log.boundingBox();
  const m = await mine.boundingBox();
  const t = await theirs.boundingBox();
  expect(m.x - log.x).toBeLessThan(2);
  expect(log.x + log.width - (t.x + t.width)).toBeLessThan(2);
  // The header's close button comes first in reading order, so it is on the left.
  const close = await ar.frame.locator('.tandem-header__close').boundingBox();
  const person = await ar.widget.person.boundingBox();
  expect(close.x).toBeLessThan(person.x);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('the chat is full screen, with 16 px fields and 44 px touch targets', async ({ page }) => {
    const host = new HostPage(page, 'api');
    await host.goto();
    await host.launcher.tap();
    await expect(host.widget.composer).toBeVisible();
    const box = await host.iframe.boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    await expect(host.widget.composer).toHaveCSS('font-size', '16px');
    for (const target of [host.widget.person, host.widget.send, host.frame.locator('.tandem-header__close')]) {
      const b = await target.boundingBox();
      expect(b.height).toBeGreaterThanOrEqual(44);
      expect(b.width).toBeGreaterThanOrEqual(44);
    }
    const launcher = await host.launcher.boundingBox();
    expect(launcher.height).toBeGreaterThanOrEqual(44);
  });
});
