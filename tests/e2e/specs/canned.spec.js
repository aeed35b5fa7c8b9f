// Canned replies: an agent types "/" and letters in the reply box, picks a team reply from the list
// with the keyboard, finds it filled in for the identified demo shopper (first name, order, next
// payment) and nothing sent; then edits and sends it, and the shopper sees it. Also: adding a
// personal reply on the History section's canned replies page.
const { test, expect } = require('@playwright/test');
const { DemoPage, axeScan } = require('./pages');
const { ConsolePage, openConsole, resetDesk, KIM } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
});

test('"/" lists canned replies; Enter inserts one filled in for the shopper, and only Send sends it', async ({ browser }) => {
  const { context: kimContext, page: kimPage, desk: kim } = await openConsole(browser, KIM);

  const shopperContext = await browser.newContext();
  const shopperPage = await shopperContext.newPage();
  const demo = new DemoPage(shopperPage);
  await demo.goto();
  await demo.open();
  await demo.widget.ask('When is my next payment?');
  await expect(demo.widget.assistantMessages().first()).toContainText('€50.00');
  const conversationId = await demo.widget.conversationId();
  await demo.widget.person.click();
  await expect(demo.widget.status).toHaveAttribute('data-state', 'queued');
  await kim.claim(conversationId);

  // "/" and letters open the list in the conversation's language; arrows move, Escape closes.
  await kim.reply.click();
  await kim.reply.pressSequentially('/');
  const options = kimPage.getByTestId('canned-option');
  await expect(options).toHaveCount(3);
  await expect(kimPage.getByTestId('canned-status')).toContainText('3 canned replies');
  await expect(kim.reply).toHaveAttribute('aria-activedescendant', await options.nth(0).getAttribute('id'));
  await kim.reply.press('ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(kim.reply).toHaveAttribute('aria-activedescendant', await options.nth(1).getAttribute('id'));
  expect((await axeScan(kimPage)).lines).toEqual([]);
  await kim.reply.press('Escape');
  await expect(kimPage.getByTestId('canned-picker')).toHaveCount(0);
  await expect(kim.reply).toHaveValue('/');
  await kim.reply.fill('');

  await kim.reply.pressSequentially('/next');
  await expect(options).toHaveCount(1);
  await expect(options.first()).toContainText('next-payment');
  await expect(options.first()).toContainText('Next payment');
  await kim.reply.press('Enter');
  await expect(kim.reply).toHaveValue('Hi Alex, the next payment for order FP-1001 is €50.00, due on 2026-11-28.');
  await expect(kim.reply).toBeFocused();
  await expect(kimPage.getByTestId('canned-picker')).toHaveCount(0);
  await expect(kimPage.getByTestId('console-status')).toContainText('Inserted “Next payment”');
  // Nothing was sent: not in the console's transcript, not in the widget.
  await expect(kim.messages('agent')).toHaveCount(0);
  await expect(demo.widget.frame.locator('[data-testid="message"][data-author="agent"]')).toHaveCount(0);

  // The agent edits and sends it; the shopper reads it.
  await kim.reply.press('End');
  await kim.reply.pressSequentially(' Anything else?');
  await kim.reply.press('Enter');
  const received = demo.widget.frame.locator('[data-testid="message"][data-author="agent"]');
  await expect(received).toContainText('Hi Alex, the next payment for order FP-1001 is €50.00, due on 2026-11-28. Anything else?');
  await expect(kim.messages('agent')).toHaveCount(1);
  await expect(kim.reply).toHaveValue('');
  await shopperContext.close();
  await kimContext.close();
});

test('an agent adds a personal canned reply; a team one needs a supervisor', async ({ page }) => {
  const kim = new ConsolePage(page);
  await kim.login(KIM);
  await page.getByTestId('nav-history').click();
  await page.getByTestId('history-page-canned').click();
  await expect(page.getByTestId('canned-row').first()).toBeVisible();
  await expect(page.locator('input[name="canned-scope"][value="team"]')).toBeDisabled();
  const shortcut = `thanks-${Date.now()}`;
  await page.getByTestId('canned-shortcut').fill(shortcut);
  await page.getByTestId('canned-title').fill('Thanks');
  await page.getByTestId('canned-body').fill('Thanks {firstname}!');
  await page.getByTestId('canned-save').click();
  await expect(page.getByRole('alert')).toContainText('{firstname} is not a placeholder');
  await page.getByTestId('canned-body').fill('Thanks, {first_name}!');
  await page.getByTestId('canned-save').click();
  const row = page.locator(`[data-testid="canned-row"][data-shortcut="${shortcut}"]`);
  await expect(row).toContainText('Mine');
  await expect(row.getByRole('button', { name: `Delete /${shortcut}` })).toBeVisible();
  // The team's replies are read-only for an agent.
  await expect(page.locator('[data-testid="canned-row"][data-shortcut="next-payment"]').first().getByRole('button')).toHaveCount(0);
  expect((await axeScan(page)).lines).toEqual([]);
  await row.getByRole('button', { name: `Delete /${shortcut}` }).click();
  await expect(row).toHaveCount(0);
});
