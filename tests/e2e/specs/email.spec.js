// Email follow-ups end to end: a shopper leaves an address while nobody is online; Kim comes online,
// claims and replies in the console (which says the reply is emailed); the email reaches the local
// SMTP sink (tests/e2e/smtp-sink.js), and its link, opened in a fresh browser, shows the
// conversation with Kim's reply full screen. The link works once. The transcript goes by email too.
const { test, expect } = require('@playwright/test');
const { DemoPage, Widget } = require('./pages');
const { ConsolePage, resetDesk, KIM } = require('./agent');
const { HTTP_PORT } = require('../smtp-sink');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
});

/** Every email the sink received. */
async function mails(request) {
  const res = await request.get(`http://127.0.0.1:${HTTP_PORT}/mails`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

/** Waits for an email to `address` whose body matches `pattern`, and returns it. */
async function mailTo(request, address, pattern) {
  let found;
  await expect
    .poll(async () => {
      found = (await mails(request)).find((m) => m.to.includes(address) && pattern.test(m.body));
      return Boolean(found);
    }, { timeout: 20_000, message: `an email to ${address} matching ${pattern}` })
    .toBe(true);
  return found;
}

/** A fresh browser (no storage) opening `url` in app mode, with the widget's page object. */
async function openFresh(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  return { context, page, widget: new Widget(page.mainFrame()) };
}

test('a reply to a shopper who left an address is emailed, and its link reopens the conversation once', async ({ browser, request }) => {
  const address = `shopper-${Date.now()}@example.org`;
  const shopperContext = await browser.newContext();
  const demo = new DemoPage(await shopperContext.newPage());
  await demo.goto({ anonymous: true });
  await demo.open();
  await demo.widget.ask('I have a question about my invoice address');
  await expect(demo.widget.assistantMessages().first()).toBeVisible();
  await demo.widget.person.click();
  await expect(demo.widget.status).toHaveAttribute('data-state', 'awaiting_reply');
  await demo.widget.frame.getByTestId('contact-email').fill(address);
  await demo.widget.frame.getByRole('button', { name: 'Leave message' }).click();
  await expect(demo.widget.frame.getByTestId('contact-thanks')).toContainText(address);
  const conversationId = await demo.widget.conversationId();
  await shopperContext.close(); // the shopper has left

  const kimContext = await browser.newContext();
  const kim = new ConsolePage(await kimContext.newPage());
  await kim.login(KIM);
  await kim.goOnline();
  await expect(kim.item(conversationId)).toContainText(address);
  await kim.claim(conversationId);
  await expect(kim.page.getByTestId('email-notice')).toContainText(`Your replies are emailed to ${address}`);
  await kim.send('Hello, Kim here. Your invoice address can be changed under Settings.');
  await expect(kim.messages('agent')).toContainText('Kim here');

  const mail = await mailTo(request, address, /Kim here/);
  expect(mail.from).toBe('support@fjordpay.example');
  expect(mail.subject).toContain('Kim');
  const link = mail.body.match(/https?:\/\/\S+reopen=[0-9a-f]{64}/)?.[0];
  expect(link, mail.body).toContain('/embed/?merchant=nordic-outdoor&mode=app&reopen=');

  // A fresh browser (another device) opens the link: the conversation, with Kim's reply.
  const reader = await openFresh(browser, link);
  await expect(reader.widget.root).toHaveAttribute('data-conversation', conversationId);
  await expect(reader.page.locator('[data-testid="message"][data-author="agent"]')).toContainText('Kim here');
  await expect(reader.page.locator('[data-testid="message"][data-author="shopper"]')).toContainText('invoice address');
  expect(reader.page.url()).not.toContain('reopen=');
  // The shopper answers from there, and Kim sees it.
  await reader.widget.ask('Thanks, found it!');
  await expect(kim.messages('shopper').last()).toContainText('Thanks, found it!');

  // The transcript by email, to the address left earlier (the field may stay empty).
  await reader.page.getByTestId('transcript-email').click();
  await reader.page.getByTestId('transcript-send').click();
  await expect(reader.page.getByTestId('transcript-note')).toContainText('emailing you this conversation');
  const transcript = await mailTo(request, address, /Thanks, found it!/);
  expect(transcript.body).toContain('You: I have a question about my invoice address');
  expect(transcript.body).toContain('Kim: Hello, Kim here.');

  // The link works once: another browser is told, and gets a fresh chat instead.
  const late = await openFresh(browser, link);
  await expect(late.page.getByTestId('reopen-notice')).toContainText('already used');
  await expect(late.widget.root).not.toHaveAttribute('data-conversation', conversationId);

  await reader.context.close();
  await late.context.close();
  await kimContext.close();
});
