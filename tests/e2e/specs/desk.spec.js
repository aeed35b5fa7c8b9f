// The agent desk's tools with shopper and agent contexts: internal notes seen by agents and never
// by the shopper, the assistant's suggested reply, a transfer to a colleague, language routing,
// and answers while the shopper waits for a person.
const { test, expect } = require('@playwright/test');
const { DemoPage, endDemoShopperConversation, axeScan } = require('./pages');
const { openConsole, resetDesk, agentOnline, SAM, KIM } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
  await endDemoShopperConversation(playwright, baseURL);
});

test.afterEach(async ({ playwright, baseURL }) => {
  await endDemoShopperConversation(playwright, baseURL);
  await resetDesk(playwright, baseURL);
});

async function shopper(browser, query = '') {
  const context = await browser.newContext();
  const page = await context.newPage();
  const demo = new DemoPage(page);
  await page.goto(`/demo/${query}`);
  await expect(demo.launcher).toBeVisible();
  await demo.open();
  const frame = page.frames().find((f) => f.url().includes('/embed/'));
  // Waits for the conversation: `open()` waits for "Connecting" to go, which only the English
  // widget says, so a Swedish shopper's id was read before there was one.
  const conversationId = await demo.widget.conversationId();
  return { context, page, widget: demo.widget, frame, conversationId };
}

test('a note is seen by agents and never by the shopper; a draft is inserted; a transfer passes it on', async ({ browser }) => {
  const sam = await openConsole(browser, SAM);
  const kim = await openConsole(browser, KIM);
  const alex = await shopper(browser, '?anonymous=1');
  await alex.widget.ask('I need help with an invoice address');
  await expect(alex.widget.assistantMessages().first()).toBeVisible();
  await alex.widget.person.click();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'queued');
  await sam.desk.claim(alex.conversationId);

  // An internal note: marked in the transcript, announced as agents-only.
  const secret = 'Shopper is a long-time customer, waive the fee if asked';
  await sam.page.getByTestId('mode-note').click();
  await expect(sam.page.getByText('Internal note (only agents see it)')).toBeVisible();
  await sam.desk.send(secret);
  const note = sam.desk.transcript.getByTestId('note');
  await expect(note).toContainText(secret);
  await expect(note).toContainText('Internal note');

  // The assistant's suggestion for the shopper's next question, inserted for editing, not sent.
  await sam.page.getByTestId('mode-reply').click();
  await alex.widget.ask('How much is the late fee?');
  await expect(sam.page.getByTestId('suggestion-text')).toContainText('7.00');
  await sam.page.getByTestId('insert-suggestion').click();
  await expect(sam.desk.reply).toHaveValue(/7\.00/);
  await expect(sam.desk.messages('agent')).toHaveCount(0);
  await sam.desk.reply.fill('Hi, Sam here. The late fee is €7.00 per instalment.');
  await sam.desk.reply.press('Enter');
  await expect(alex.frame.locator('[data-testid="message"][data-author="agent"]')).toContainText('Sam here');
  expect((await axeScan(sam.page)).lines).toEqual([]);

  // Transfer to Kim with a reason.
  const why = 'Kim handles address changes for this merchant';
  await sam.page.getByTestId('transfer').click();
  const kimOption = sam.page.getByTestId('transfer-to').locator('option', { hasText: 'Kim' });
  await expect(kimOption).toHaveCount(1);
  await sam.page.getByTestId('transfer-to').selectOption(await kimOption.getAttribute('value'));
  await sam.page.getByTestId('transfer-note').fill(why);
  expect((await axeScan(sam.page)).lines).toEqual([]);
  await sam.page.getByTestId('transfer-submit').click();
  await expect(sam.page.getByTestId('console-status')).toContainText('Conversation passed to Kim');
  await expect(sam.page.locator(`[data-testid="my-conversation"][data-conversation-id="${alex.conversationId}"]`)).toHaveCount(0);

  // Kim has it, with both notes; the shopper is told who continues, never why.
  const tab = kim.page.locator(`[data-testid="my-conversation"][data-conversation-id="${alex.conversationId}"]`);
  await expect(tab).toBeVisible();
  await tab.click();
  await expect(kim.desk.transcript.getByTestId('note')).toHaveCount(2);
  await expect(kim.desk.transcript.locator('[data-testid="note"][data-kind="transfer"]')).toContainText(why);
  await expect(kim.desk.transcript).toContainText(secret);
  await expect(alex.widget.status).toContainText('Kim has joined the conversation.');
  await expect(alex.frame.locator('body')).toContainText('Sam passed your conversation to Kim');
  const shopperSees = await alex.frame.locator('body').innerText();
  expect(shopperSees).not.toContain('waive the fee');
  expect(shopperSees).not.toContain(why);
  expect((await axeScan(kim.page)).lines).toEqual([]);
  for (const c of [alex, sam, kim]) await c.context.close();
});

test('a Swedish shopper is offered first to the Swedish-speaking agent', async ({ browser }) => {
  const kim = await openConsole(browser, KIM); // en, de
  const sam = await openConsole(browser, SAM); // en, sv
  await expect(sam.page.getByTestId('agent-languages')).toHaveText('en, sv');
  const sven = await shopper(browser, '?lang=sv&anonymous=1');
  await sven.widget.person.click();
  await expect(sven.widget.status).toHaveAttribute('data-state', 'queued');
  // Kim sees it waiting for a Swedish speaker, and "Take next" does not give it to Kim.
  const item = kim.desk.item(sven.conversationId);
  await expect(item.getByTestId('queue-locale')).toHaveText('sv');
  await expect(item.getByTestId('reserved')).toContainText('speaks sv');
  await kim.page.getByTestId('take-next').click();
  await expect(kim.page.getByTestId('console-status')).toContainText('Nobody is waiting right now.');
  await expect(kim.page.getByTestId('my-conversation')).toHaveCount(0);
  // Sam's "Take next" gets it.
  await sam.page.getByTestId('take-next').click();
  await expect(sam.page.locator(`[data-testid="my-conversation"][data-conversation-id="${sven.conversationId}"]`)).toBeVisible();
  await expect(sven.widget.status).toHaveAttribute('data-state', 'with_agent');
  for (const c of [sven, sam, kim]) await c.context.close();
});

test('a queued shopper asks when the next payment is and is answered without losing their place', async ({ browser, playwright, baseURL }) => {
  const api = await agentOnline(await playwright.request.newContext({ baseURL }), KIM.email, KIM.password);
  const alex = await shopper(browser);
  await alex.widget.person.click();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(alex.widget.status).toContainText('Position 1');
  await expect(alex.widget.status).toContainText('the team will see your messages');
  await alex.widget.ask('When is my next payment?');
  const answer = alex.widget.assistantMessages().last();
  await expect(answer).toContainText('€50.00');
  await expect(answer.getByTestId('while-you-wait')).toHaveText('While you wait');
  await expect(alex.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(alex.widget.status).toContainText('Position 1');
  const queue = await (await api.get('/v1/agent/queue')).json();
  expect(queue.items[0].conversation_id).toBe(alex.conversationId);
  expect((await axeScan(alex.page)).lines).toEqual([]);
  await alex.context.close();
  await api.dispose();
});
