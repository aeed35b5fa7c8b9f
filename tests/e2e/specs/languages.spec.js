// The assistant speaks the shopper's language: every sentence comes from the provider pack
// (packs/fjordpay/<locale>/replies.toml), so the expected texts are read from the pack itself.
const fs = require('node:fs');
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { DemoPage, axeScan, endDemoShopperConversation } = require('./pages');
const { resetDesk, agentOnline, SAM } = require('./agent');

const PACK = path.resolve(__dirname, '..', '..', '..', 'packs', 'fjordpay');

/** `key` of `[section]` in a locale's replies.toml, with pack-wide numbers filled in. */
function template(locale, section, key) {
  const lines = fs.readFileSync(path.join(PACK, locale, 'replies.toml'), 'utf8').split('\n');
  let current = '';
  for (const line of lines) {
    const header = line.match(/^\[(.+)\]\s*$/);
    if (header) current = header[1];
    const m = line.match(/^(\w+)\s*=\s*"(.*)"\s*$/);
    if (current === section && m && m[1] === key) {
      return JSON.parse(`"${m[2]}"`).replace('{reply_within_hours}', '24').replace('{hours}', '');
    }
  }
  throw new Error(`no [${section}] ${key} in ${locale}`);
}

/** The words of a template before its first placeholder (what a reply visibly starts with). */
function opening(locale, section, key) {
  return template(locale, section, key).split('{')[0].trim();
}

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
  // The demo shopper is one identified person across tests: start each test on a new conversation.
  await endDemoShopperConversation(playwright, baseURL);
});

test.afterEach(async ({ playwright, baseURL }) => {
  // ...and leave none open for the specs that run after these.
  await endDemoShopperConversation(playwright, baseURL);
  await resetDesk(playwright, baseURL);
});

async function shopperIn(browser, lang, opts = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const demo = new DemoPage(page);
  await page.goto(`/demo/?lang=${lang}${opts.anonymous ? '&anonymous=1' : ''}`);
  await expect(demo.launcher).toBeVisible();
  if (!opts.anonymous) await expect(page.locator('#signed-in-as')).toContainText('Signed in as Alex');
  await demo.open();
  return { context, page, widget: demo.widget };
}

test('on a Swedish page a shopper asks in Swedish and gets the Swedish answer with a Swedish card', async ({ browser }) => {
  const s = await shopperIn(browser, 'sv');
  await s.widget.ask('när är min nästa betalning?');
  const reply = s.widget.assistantMessages().last();
  await expect(reply).toContainText(opening('sv', 'say', 'next_payment'));
  await expect(reply).toContainText('50,00\u00a0€');
  await expect(reply).toContainText('FP-1001');
  await expect(reply).not.toContainText('Your next payment');
  // The card: Swedish labels, amounts formatted for Swedish by the widget.
  const card = reply.locator('.tandem-card').first();
  await expect(card).toContainText(template('sv', 'labels', 'order_title').replace('{order_id}', 'FP-1001'));
  await expect(card).toContainText(template('sv', 'labels', 'next_payment'));
  await expect(card).toContainText(/50,00\s€/);
  await expect(reply.getByRole('button', { name: template('sv', 'buttons', 'talk_to_person') })).toBeVisible();
  const { lines } = await axeScan(s.page);
  expect(lines).toEqual([]);
  await s.context.close();
});

test('a German shopper who fell ill and cannot pay is handed to a person, in German', async ({ browser, playwright, baseURL }) => {
  const api = await playwright.request.newContext({ baseURL });
  await agentOnline(api, SAM.email, SAM.password);
  const s = await shopperIn(browser, 'de');
  await s.widget.ask('Ich bin krank geworden und kann die Raten nicht mehr bezahlen');
  const reply = s.widget.assistantMessages().last();
  const caring = [opening('de', 'say', 'sensitive_hardship'), opening('de', 'say', 'sensitive_vulnerability')];
  await expect(reply).toContainText(new RegExp(caring.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')));
  await expect(reply).toContainText('50,00\u00a0€');
  await expect(reply).toContainText('28.11.2026');
  await expect(s.widget.status).toHaveAttribute('data-state', 'queued');
  // The widget's own interface strings are German too (src/i18n.rs).
  await expect(s.widget.status).toContainText('Platz 1');
  const { lines } = await axeScan(s.page);
  expect(lines).toEqual([]);
  await api.put('/v1/agent/presence', { data: { online: false } });
  await api.dispose();
  await s.context.close();
});

test('an Arabic shopper asking for a person is handed off with an Arabic message, right to left', async ({ browser }) => {
  // Nobody is online: the server's own sentence comes from the pack too, in Arabic.
  const s = await shopperIn(browser, 'ar', { anonymous: true });
  await expect(s.widget.root).toHaveAttribute('dir', 'rtl');
  await s.widget.ask('أريد التحدث مع موظف من فضلك');
  const reply = s.widget.assistantMessages().last();
  await expect(reply).toContainText(opening('ar', 'say', 'human_request'));
  await expect(s.widget.status).toHaveAttribute('data-state', 'awaiting_reply');
  const system = s.widget.frame.locator('[data-testid="message"][data-author="system"]').last();
  await expect(system).toContainText(opening('ar', 'server', 'nobody_online'));
  // Right to left: the assistant's bubble sits at the right edge of the transcript.
  const log = await s.widget.log.boundingBox();
  const box = await reply.boundingBox();
  expect(log.x + log.width - (box.x + box.width)).toBeLessThan(2);
  const { lines } = await axeScan(s.page);
  expect(lines).toEqual([]);
  await s.context.close();
});

for (const lang of ['en_US', 'xx-invalid']) {
  test(`a page with lang="${lang}" still shows account cards with formatted money`, async ({ browser }) => {
    const s = await shopperIn(browser, lang);
    const errors = [];
    s.page.on('pageerror', (e) => errors.push(e.message));
    await s.widget.ask('When is my next payment?');
    const card = s.widget.assistantMessages().last().locator('.tandem-card').first();
    await expect(card).toContainText('€50.00');
    await expect(s.widget.status).not.toHaveAttribute('data-state', 'failed');
    await s.widget.ask('thanks!');
    await expect(s.widget.assistantMessages()).toHaveCount(2);
    expect(errors).toEqual([]);
    await s.context.close();
  });
}
