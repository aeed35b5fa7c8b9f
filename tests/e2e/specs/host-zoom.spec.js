// Host pages that zoom or scale themselves (demo/hosts/zoom.html: `html { zoom: 1.5 }`, zoom-out.html:
// `html { zoom: 0.67 }`, transform.html: `body { transform: scale(0.8) }`), on a desktop and a phone
// window: the launcher and the open chat (header, "Talk to a person", transcript, composer) lie
// inside the window, keep their own size, and work: a question gets an answer, close closes.
const { test, expect } = require('@playwright/test');
const { HostPage } = require('./pages');

const PAGES = ['zoom', 'zoom-out', 'transform'];
const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 720 } },
  phone: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true },
};

/** Fails unless the locator's box lies wholly inside the window (with half a pixel for rounding). */
async function expectInside(page, locator, what) {
  await expect(locator, what).toBeVisible();
  const box = await locator.boundingBox();
  const { width, height } = page.viewportSize();
  expect(box, `${what} has a box`).toBeTruthy();
  const where = `${what} at ${JSON.stringify(box)} in ${width}×${height}`;
  expect(box.x, where).toBeGreaterThanOrEqual(-0.5);
  expect(box.y, where).toBeGreaterThanOrEqual(-0.5);
  expect(box.x + box.width, where).toBeLessThanOrEqual(width + 0.5);
  expect(box.y + box.height, where).toBeLessThanOrEqual(height + 0.5);
  expect(box.width, `${what} is not squashed`).toBeGreaterThan(10);
  expect(box.height, `${what} is not squashed`).toBeGreaterThan(10);
  return box;
}

/** The chat's parts a shopper needs, each inside the window (the transcript once it has messages). */
async function expectChatInside(page, host, { transcript = true } = {}) {
  await expectInside(page, host.frame.locator('.tandem-header'), 'header');
  await expectInside(page, host.widget.close, 'close button');
  await expectInside(page, host.widget.person, '"Talk to a person"');
  if (transcript) {
    await expectInside(page, host.widget.log, 'transcript');
    await expectInside(page, host.widget.assistantMessages().last(), 'the answer');
  }
  await expectInside(page, host.widget.composer, 'composer');
  await expectInside(page, host.widget.send, 'send button');
}

/** Opens the chat, checks it fits and works, and closes it with its own close button. */
async function openAskClose(page, host, kind) {
  await expectInside(page, host.launcher, 'launcher');
  await host.open();
  const frame = await expectInside(page, host.iframe, 'chat panel');
  const { width, height } = page.viewportSize();
  if (kind === 'phone') {
    expect(frame).toEqual({ x: 0, y: 0, width, height });
  } else {
    // The widget's own size (380 px wide, at most 640 px tall), neither zoomed nor shrunk with the page.
    expect(Math.round(frame.width)).toBe(380);
    expect(frame.height).toBeLessThanOrEqual(640);
    expect(frame.height).toBeGreaterThanOrEqual(Math.min(640, height - 120));
  }
  await expectChatInside(page, host, { transcript: false });
  await expect(host.widget.composer).toHaveCSS('font-size', '16px');
  await host.askAndExpectAnswer();
  await expectChatInside(page, host);
  await host.widget.close.click();
  await expect(host.iframe).toBeHidden();
  await expect(host.launcher).toHaveAttribute('aria-expanded', 'false');
  await expectLauncher(page, host, 'launcher after closing');
}

/** The launcher inside the window at its own size (48 px tall, whatever the page's zoom). */
async function expectLauncher(page, host, what = 'launcher') {
  const box = await expectInside(page, host.launcher, what);
  expect(Math.round(box.height), `${what} keeps its own size`).toBe(48);
}

for (const [kind, options] of Object.entries(VIEWPORTS)) {
  test.describe(`on a ${kind}`, () => {
    test.use(options);

    for (const name of PAGES) {
      test(`${name} page: the chat fits the window and works`, async ({ page }) => {
        const host = new HostPage(page, name);
        await host.goto();
        // The fixture really does what it says.
        const effect = await page.evaluate(() => ({
          zoom: document.documentElement.currentCSSZoom,
          transform: getComputedStyle(document.body).transform,
        }));
        if (name === 'zoom') expect(effect.zoom).toBe(1.5);
        if (name === 'zoom-out') expect(effect.zoom).toBeCloseTo(0.67, 5);
        if (name === 'transform') expect(effect.transform).toBe('matrix(0.8, 0, 0, 0.8, 0, 0)');
        await expectLauncher(page, host);
        await openAskClose(page, host, kind);
      });
    }

    test('a page that zooms and turns right-to-left after the launcher is drawn', async ({ page }) => {
      const host = new HostPage(page, 'transform');
      await host.goto();
      await expect(host.launcher).toHaveText('Payment help');
      await page.evaluate(() => {
        document.documentElement.style.zoom = '1.5';
        document.documentElement.dir = 'rtl';
      });
      await openAskClose(page, host, kind);
    });
  });
}
