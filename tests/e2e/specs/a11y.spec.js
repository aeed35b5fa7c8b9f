// Accessibility to WCAG 2.1 AA in every state the shopper can meet: axe (A, AA, 2.1 AA) on the merchant
// page with the widget's cross-origin iframe, the whole flow by keyboard alone, live regions,
// reduced motion and forced colours; and right-to-left Arabic as the mirror image of English.
const { test, expect } = require('@playwright/test');
const { DemoPage, HostPage, axeScan, axeSawWidget, endDemoShopperConversation } = require('./pages');
const { agentOnline, resetDesk } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
  // The signed-in demo shopper starts without an open conversation (theirs follows them anywhere).
  await endDemoShopperConversation(playwright, baseURL);
});

/** A shopper on the demo page in a fresh context (axe needs a page from `browser.newContext()`). */
async function shopper(browser, { anonymous = false, contextOptions = {} } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const demo = new DemoPage(page);
  return { context, page, demo, widget: demo.widget, goto: () => demo.goto({ anonymous }) };
}

/** Expects axe to find nothing; `widget` says the scan must have reached into the widget's iframe. */
async function expectAxeClean(page, state, { widget = true } = {}) {
  const { lines, results } = await axeScan(page);
  expect(lines, `axe violations with the widget ${state}`).toEqual([]);
  if (widget) expect(axeSawWidget(results), `axe scanned inside the widget's iframe (${state})`).toBe(true);
}

// Leave no open conversation of the signed-in shopper to the spec files after this one.
test.afterAll(async ({ playwright }, testInfo) => {
  await endDemoShopperConversation(playwright, testInfo.project.use.baseURL);
});

test.describe('axe reports no violations', () => {
  test('launcher closed, widget open, and the assistant answering with cards and buttons', async ({ browser }) => {
    const s = await shopper(browser);
    await s.goto();
    await expect(s.page.locator('tandem-widget iframe')).toHaveCount(0);
    await expectAxeClean(s.page, 'closed (launcher only)', { widget: false });

    await s.demo.open();
    await expectAxeClean(s.page, 'open');

    await s.widget.ask('When is my next payment?');
    const answer = s.widget.assistantMessages().first();
    await expect(answer).toContainText('€50.00');
    // The answer carries a card and buttons: they are part of what is scanned.
    await expect(answer.locator('.tandem-card').first()).toBeVisible();
    await expect(answer.locator('button, a').first()).toBeVisible();
    await expectAxeClean(s.page, 'answering (card and buttons)');
    await s.context.close();
  });

  test('queued, with an agent, and rating after the agent resolves', async ({ browser, request }) => {
    await agentOnline(request, 'sam@fjordpay.example', 'tandem-demo-sam');
    const s = await shopper(browser, { anonymous: true });
    await s.goto();
    await s.demo.open();
    const id = await s.widget.conversationId();
    await s.widget.person.click();
    await expect(s.widget.status).toHaveAttribute('data-state', 'queued');
    await expect(s.widget.status).toContainText('Position 1');
    await expectAxeClean(s.page, 'queued');

    const claim = await request.post(`/v1/agent/conversations/${id}/claim`);
    expect(claim.ok(), `claim: ${claim.status()}`).toBe(true);
    await expect(s.widget.status).toHaveAttribute('data-state', 'with_agent');
    await expect(s.widget.status).toContainText('Sam has joined the conversation.');
    const reply = await request.post(`/v1/agent/conversations/${id}/messages`, {
      data: { client_id: 'a11y0000000000000000000000000001', text: 'Hi, Sam here. How can I help?' },
    });
    expect(reply.ok(), `reply: ${reply.status()}`).toBe(true);
    await expect(s.widget.frame.locator('[data-testid="message"][data-author="agent"]')).toContainText('Sam here');
    await expectAxeClean(s.page, 'with an agent');

    const resolve = await request.post(`/v1/agent/conversations/${id}/resolve`);
    expect(resolve.ok(), `resolve: ${resolve.status()}`).toBe(true);
    await expect(s.widget.status).toHaveAttribute('data-state', 'resolved');
    await expect(s.widget.frame.getByTestId('rate-5')).toBeAttached();
    await expectAxeClean(s.page, 'rating');
    await s.context.close();
  });

  test('error: the chat could not start, with "Try again" that works', async ({ browser }) => {
    const s = await shopper(browser);
    // The start-up call fails (only that call: everything else goes through).
    const fail = (route) => (route.request().method() === 'POST'
      ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'x', message: 'The service is resting.' } }) })
      : route.continue());
    await s.page.route('**/v1/start', fail);
    await s.goto();
    await s.demo.launcher.click();
    const error = s.widget.status.getByText("We couldn't start the chat");
    await expect(error).toBeVisible();
    const retry = s.widget.status.getByRole('button', { name: 'Try again' });
    await expect(retry).toBeVisible();
    // Announced: the error is inside the polite status region.
    await expect(s.widget.status).toHaveAttribute('role', 'status');
    await expectAxeClean(s.page, 'error');

    await s.page.unroute('**/v1/start', fail);
    await retry.click();
    await expect(error).toBeHidden();
    await s.widget.ask('When is my next payment?');
    await expect(s.widget.assistantMessages().first()).toContainText('€50.00');
    await s.context.close();
  });

  test('offline: the notice shows and is announced', async ({ browser }) => {
    const s = await shopper(browser, { anonymous: true });
    await s.goto();
    await s.demo.open();
    await expect(s.widget.offline).toHaveCount(0);
    await s.context.setOffline(true);
    await expect(s.widget.offline).toBeVisible();
    await expect(s.widget.offline).toContainText("You're offline");
    // Inside the status live region.
    await expect(s.widget.frame.locator('[role="status"] [data-testid="offline"]')).toHaveCount(1);
    await expectAxeClean(s.page, 'offline');
    await s.context.setOffline(false);
    await expect(s.widget.offline).toHaveCount(0);
    await s.context.close();
  });
});

/** Whether `locator` (in the widget's frame) has focus and its frame has the page's focus. */
function hasFocus(locator) {
  return locator.evaluate((el) => document.hasFocus() && document.activeElement === el);
}

test('the whole flow by keyboard alone: launcher, composer, send, "Talk to a person", Escape', async ({ page, request }) => {
  await agentOnline(request, 'sam@fjordpay.example', 'tandem-demo-sam');
  const demo = new DemoPage(page);
  await demo.goto();
  // Tab through the merchant page until the launcher has focus.
  let onLauncher = false;
  for (let i = 0; i < 40 && !onLauncher; i++) {
    await page.keyboard.press('Tab');
    onLauncher = await demo.launcher.evaluate((el) => el.getRootNode().activeElement === el);
  }
  expect(onLauncher, 'Tab reaches the launcher').toBe(true);
  await expect(demo.launcher).toHaveAttribute('aria-expanded', 'false');

  // Enter opens; focus lands in the composer.
  await page.keyboard.press('Enter');
  await expect(demo.launcher).toHaveAttribute('aria-expanded', 'true');
  await expect(demo.widget.composer).toBeVisible();
  await expect.poll(() => hasFocus(demo.widget.composer), { message: 'focus in the composer' }).toBe(true);
  await expect(demo.widget.status).not.toContainText('Connecting');

  // The chat's frame runs in its own process: the browser routes keystrokes to it a moment after
  // its document took focus. (Under load, keys typed in that moment went to the page instead.)
  // Wait until a keystroke lands in the composer, then clear it, by keyboard.
  await expect.poll(async () => {
    await page.keyboard.type('x');
    return (await demo.widget.composer.inputValue()).length > 0;
  }, { message: 'keystrokes reach the composer' }).toBe(true);
  for (let n = (await demo.widget.composer.inputValue()).length; n > 0; n--) await page.keyboard.press('Backspace');
  await expect(demo.widget.composer).toHaveValue('');

  // Type and Enter sends.
  await page.keyboard.type('When is my next payment?');
  await expect(demo.widget.composer).toHaveValue('When is my next payment?');
  await page.keyboard.press('Enter');
  await expect(demo.widget.shopperMessages()).toHaveText([/When is my next payment\?/]);
  await expect(demo.widget.assistantMessages()).toHaveCount(1);
  await expect(demo.widget.assistantMessages().first()).toContainText('€50.00');
  await expect(demo.widget.composer).toHaveValue('');

  // Tab (forwards only) reaches "Talk to a person"; Enter presses it.
  let onPerson = false;
  for (let i = 0; i < 40 && !onPerson; i++) {
    await page.keyboard.press('Tab');
    onPerson = await hasFocus(demo.widget.person);
  }
  expect(onPerson, 'Tab reaches "Talk to a person"').toBe(true);
  await page.keyboard.press('Enter');
  await expect(demo.widget.status).toHaveAttribute('data-state', 'queued');

  // Escape closes, and focus returns to the launcher.
  await page.keyboard.press('Escape');
  await expect(page.locator('tandem-widget iframe')).toBeHidden();
  await expect(demo.launcher).toBeFocused();
  await expect(demo.launcher).toHaveAttribute('aria-expanded', 'false');
});

test('new messages and state changes are in live regions', async ({ page, request }) => {
  await agentOnline(request, 'sam@fjordpay.example', 'tandem-demo-sam');
  const demo = new DemoPage(page);
  await demo.goto();
  await demo.open();
  const log = demo.widget.frame.getByRole('log');
  await expect(log).toHaveCount(1);
  await expect(log).toHaveAttribute('aria-live', 'polite');
  await expect(log).toHaveAttribute('aria-label', 'Conversation');
  // The regions exist (empty) before anything is announced, so screen readers pick changes up.
  await expect(log.getByTestId('message')).toHaveCount(0);
  await expect(demo.widget.status).toHaveAttribute('role', 'status');

  await demo.widget.ask('When is my next payment?');
  await expect(demo.widget.assistantMessages().first()).toContainText('€50.00');
  // Every message, the shopper's and the assistant's, is inside the log.
  await expect(log.getByTestId('message')).toHaveCount(2);
  await expect(demo.widget.messages).toHaveCount(2);

  await demo.widget.person.click();
  const queued = demo.widget.frame.getByRole('status').filter({ hasText: "You're in the queue for a person." });
  await expect(queued).toHaveCount(1);
  // The typing indicator is a status region too.
  await expect(demo.widget.frame.getByTestId('typing')).toHaveAttribute('role', 'status');
});

test('reduced motion: the typing dots stop moving', async ({ browser, request }) => {
  await agentOnline(request, 'sam@fjordpay.example', 'tandem-demo-sam');
  const s = await shopper(browser, { anonymous: true });
  await s.goto();
  await s.demo.open();
  const id = await s.widget.conversationId();
  await s.widget.person.click();
  await expect(s.widget.status).toHaveAttribute('data-state', 'queued');
  expect((await request.post(`/v1/agent/conversations/${id}/claim`)).ok()).toBe(true);
  await expect(s.widget.status).toHaveAttribute('data-state', 'with_agent');
  // The agent types: the dots show (and stay until the agent stops or sends).
  expect((await request.post(`/v1/agent/conversations/${id}/typing`, { data: { active: true } })).status()).toBe(204);
  const dot = s.widget.frame.locator('.tandem-typing__dots span').first();
  await expect(dot).toBeAttached();
  await expect(s.widget.frame.getByTestId('typing')).toContainText('Sam is typing');
  const animation = () => dot.evaluate((el) => getComputedStyle(el).animationName);
  // Without a preference the dots blink (so the check below can fail)...
  await s.page.emulateMedia({ reducedMotion: 'no-preference' });
  await expect.poll(animation).toBe('tandem-blink');
  // ...and with prefers-reduced-motion they do not.
  await s.page.emulateMedia({ reducedMotion: 'reduce' });
  await expect.poll(animation).toBe('none');
  await s.context.close();
});

test('forced colours: axe stays clean and every button keeps a visible border', async ({ browser }) => {
  const s = await shopper(browser);
  await s.page.emulateMedia({ forcedColors: 'active' });
  await s.goto();
  expect(await s.page.evaluate(() => matchMedia('(forced-colors: active)').matches)).toBe(true);
  // The launcher keeps its edge.
  const launcherBorder = await s.demo.launcher.evaluate((el) => getComputedStyle(el).borderTopStyle + ' ' + getComputedStyle(el).borderTopWidth);
  expect(launcherBorder).not.toMatch(/^none|\b0px$/);
  await s.demo.open();
  // The widget's own style sheet is in force (browser defaults would draw borders on their own).
  await expect(s.widget.root).toHaveCSS('display', 'flex');
  await expect(s.widget.person).toHaveCSS('min-height', '44px');
  expect(await s.widget.root.evaluate(() => matchMedia('(forced-colors: active)').matches), 'forced colours reach the iframe').toBe(true);
  await s.widget.ask('When is my next payment?');
  await expect(s.widget.assistantMessages().first()).toContainText('€50.00');
  await expectAxeClean(s.page, 'in forced-colours mode');

  const buttons = await s.widget.frame.locator('button:visible').evaluateAll((els) => els.map((el) => {
    const cs = getComputedStyle(el);
    return { button: el.getAttribute('aria-label') || el.textContent.trim(), border: `${cs.borderTopStyle} ${cs.borderTopWidth}` };
  }));
  expect(buttons.length).toBeGreaterThanOrEqual(4); // person, close, send, and the answer's buttons
  const borderless = buttons.filter((b) => /^none|^hidden|\b0px$/.test(b.border));
  expect(borderless, 'buttons without a visible border in forced colours').toEqual([]);
  await s.context.close();
});

test.describe('languages', () => {
  /** Opens the api fixture in its own context with the page language `lang` and asks a question. */
  async function openIn(browser, lang) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const host = new HostPage(page, 'api');
    await host.goto(`?lang=${lang}`);
    await host.open();
    await host.widget.ask('How do late fees work?');
    await expect(host.widget.shopperMessages().last()).toBeVisible();
    await expect(host.widget.assistantMessages().last()).toBeVisible();
    await expect(host.widget.frame.locator('.tandem-header__title')).not.toBeEmpty();
    return { context, page, host };
  }

  /** Boxes of the parts whose side depends on the direction, relative to the widget. */
  async function layout(host) {
    const frame = await host.widgetFrame();
    return frame.evaluate(() => {
      const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, width: r.width }; };
      const q = (s) => document.querySelector(s);
      const range = document.createRange();
      range.selectNodeContents(q('.tandem-header__title'));
      const shopper = [...document.querySelectorAll('[data-testid="message"][data-author="shopper"]')].pop();
      const assistant = [...document.querySelectorAll('[data-testid="message"][data-author="assistant"]')].pop();
      return {
        dir: q('.tandem').getAttribute('dir'),
        header: box(q('.tandem-header')),
        titleText: box(range),
        person: box(q('[data-testid="talk-to-person"]')),
        close: box(q('.tandem-header__close')),
        log: box(q('[data-testid="log"]')),
        shopper: box(shopper),
        assistant: box(assistant),
        composer: box(q('.tandem-composer')),
        input: box(q('[data-testid="composer"]')),
        send: box(q('[data-testid="send"]')),
      };
    });
  }

  test('Arabic is the mirror image of English (screenshots attached)', async ({ browser }, testInfo) => {
    const en = await openIn(browser, 'en');
    const ar = await openIn(browser, 'ar');
    await expect(ar.host.widget.person).toHaveText('التحدث إلى شخص');
    await expect(en.host.widget.person).toHaveText('Talk to a person');
    for (const [name, s] of [['en', en], ['ar', ar]]) {
      await testInfo.attach(`widget-${name}.png`, { body: await s.host.iframe.screenshot(), contentType: 'image/png' });
    }
    const L = await layout(en.host);
    const R = await layout(ar.host);
    await testInfo.attach('boxes.json', { body: JSON.stringify({ en: L, ar: R }, null, 2), contentType: 'application/json' });
    expect(L.dir).toBe('ltr');
    expect(R.dir).toBe('rtl');
    const near = (a, b, tolerance = 1.5) => Math.abs(a - b) <= tolerance;

    // English: title text at the left, then "Talk to a person", close button at the right.
    expect(L.titleText.left - L.header.left).toBeLessThan(30);
    expect(L.titleText.right).toBeLessThanOrEqual(L.person.left);
    expect(L.person.right).toBeLessThanOrEqual(L.close.left);
    expect(L.header.right - L.close.right).toBeLessThan(30);
    // Arabic: the same, mirrored: title at the right, close button at the left.
    expect(R.header.right - R.titleText.right).toBeLessThan(30);
    expect(R.titleText.left).toBeGreaterThanOrEqual(R.person.right);
    expect(R.person.left).toBeGreaterThanOrEqual(R.close.right);
    expect(R.close.left - R.header.left).toBeLessThan(30);
    // The close button sits exactly as far from the left edge in Arabic as from the right in English.
    expect(near(R.close.left - R.header.left, L.header.right - L.close.right)).toBe(true);
    expect(near(R.header.right - R.titleText.right, L.titleText.left - L.header.left, 3)).toBe(true);

    // Bubbles: the shopper's to the right in English and to the left in Arabic; the assistant's opposite.
    expect(near(L.shopper.right, L.log.right)).toBe(true);
    expect(L.shopper.left - L.log.left).toBeGreaterThan(20);
    expect(near(R.shopper.left, R.log.left)).toBe(true);
    expect(R.log.right - R.shopper.right).toBeGreaterThan(20);
    expect(near(L.assistant.left, L.log.left)).toBe(true);
    expect(near(R.assistant.right, R.log.right)).toBe(true);

    // Composer: send at the right of the field in English, at its left in Arabic, same margins.
    expect(L.send.left).toBeGreaterThanOrEqual(L.input.right);
    expect(R.send.right).toBeLessThanOrEqual(R.input.left);
    expect(near(R.send.left - R.composer.left, L.composer.right - L.send.right)).toBe(true);
    expect(near(R.composer.right - R.input.right, L.input.left - L.composer.left)).toBe(true);
    await en.context.close();
    await ar.context.close();
  });
});
