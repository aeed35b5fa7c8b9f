// History: an agent finds a conversation they handled by a word from it, reads its transcript
// (read-only, with the trip to a person and the internal note marked as one), and the pages are
// accessible.
const { test, expect } = require('@playwright/test');
const { DemoPage, axeScan } = require('./pages');
const { openConsole, resetDesk, KIM } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
});

test('history search finds a handled conversation by a word and shows its transcript', async ({ browser }) => {
  // Kim works in a time zone whose day is not UTC's right now (+14 h from 10:00 UTC, else -12 h),
  // so a day taken from the stored UTC instant would be the wrong one.
  const timezoneId = new Date().getUTCHours() >= 10 ? 'Pacific/Kiritimati' : 'Etc/GMT+12';
  const { context: kimContext, page: kimPage, desk: kim } = await openConsole(browser, KIM, { contextOptions: { timezoneId } });

  const shopperContext = await browser.newContext();
  const demo = new DemoPage(await shopperContext.newPage());
  await demo.goto();
  await demo.open();
  await demo.widget.ask('When is my next payment?');
  await expect(demo.widget.assistantMessages().first()).toContainText('€50.00');
  const conversationId = await demo.widget.conversationId();
  await demo.widget.person.click();
  await kim.claim(conversationId);
  const word = `marigold${Date.now()}`;
  await kim.send(`Noted, the ${word} order is on its way.`);
  await expect(demo.widget.frame.locator('[data-testid="message"][data-author="agent"]')).toContainText(word);
  await kimPage.getByTestId('mode-note').click();
  await kim.reply.fill('Checked the order with the store by phone');
  await kim.reply.press('Enter');
  await expect(kimPage.getByTestId('console-status')).toContainText('Internal note added');
  await kimPage.getByTestId('mode-reply').click();
  await kimPage.getByTestId('resolve').click();
  await expect(demo.widget.status).toHaveAttribute('data-state', 'resolved');

  await kimPage.getByTestId('nav-history').click();
  await expect(kimPage.getByRole('heading', { name: 'Search conversations' })).toBeVisible();
  await kimPage.getByLabel('Words in messages').fill(word.toUpperCase());
  await kimPage.getByTestId('history-search').click();
  await expect(kimPage.getByTestId('history-count')).toHaveText('1 conversation found.');
  const item = kimPage.locator(`[data-testid="history-item"][data-conversation-id="${conversationId}"]`);
  await expect(item).toContainText('Alex Morgan');
  await expect(item).toContainText('Resolved');
  await expect(item).toContainText('Shopper asked for a person');
  expect((await axeScan(kimPage)).lines).toEqual([]);

  await item.getByTestId('history-open').click();
  const detail = kimPage.getByTestId('history-detail');
  await expect(kimPage.getByRole('heading', { name: 'Conversation with Alex Morgan' })).toBeFocused();
  const messages = detail.getByTestId('history-message');
  await expect(messages.first()).toContainText('When is my next payment?');
  await expect(detail.getByTestId('history-transcript')).toContainText(word);
  await expect(detail.getByTestId('history-handoffs')).toContainText('taken by Kim');
  const note = detail.getByTestId('history-note');
  await expect(note).toHaveCount(1);
  await expect(note).toContainText('Internal note by Kim');
  await expect(note).toContainText('Checked the order with the store by phone');
  await expect(detail.getByTestId('history-rating')).toHaveText('Not rated');
  const today = await kimPage.evaluate(() => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date()));
  const utcToday = await kimPage.evaluate(() => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date()));
  expect(today).not.toBe(utcToday);
  await expect(detail.getByTestId('history-started')).toContainText(today);
  // Read-only: no reply box here.
  await expect(detail.locator('textarea')).toHaveCount(0);
  expect((await axeScan(kimPage)).lines).toEqual([]);

  await kimPage.getByTestId('history-back').click();
  await expect(item).toBeVisible();
  // A word nobody wrote finds nothing, and says so.
  await kimPage.getByLabel('Words in messages').fill(`${word}-nowhere`);
  await kimPage.getByTestId('history-search').click();
  await expect(kimPage.getByTestId('history-count')).toHaveText('No conversation matches. Try fewer or other words.');
  await shopperContext.close();
  await kimContext.close();
});
