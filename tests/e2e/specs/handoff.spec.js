// "Talk to a person" reaches a person: a shopper context and an agent context in one test, against
// the real server, through the real widget and the real console.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { DemoPage } = require('./pages');
const { ConsolePage, resetDesk, SAM, KIM } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
});

async function shopper(browser, opts = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const demo = new DemoPage(page);
  await demo.goto(opts);
  await demo.open();
  const frame = page.frames().find((f) => f.url().includes('/embed/'));
  const conversationId = await frame.locator('.tandem').getAttribute('data-conversation');
  return { context, page, demo, widget: demo.widget, conversationId };
}

async function agent(browser, who) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const desk = new ConsolePage(page);
  await desk.login(who);
  return { context, page, desk };
}

test('shopper reaches a person who knows the story; chat both ways; resolve and rating', async ({ browser }) => {
  const sam = await agent(browser, SAM);
  await sam.desk.goOnline();
  const alex = await shopper(browser);
  await alex.widget.ask('When is my next payment?');
  await expect(alex.widget.assistantMessages().first()).toContainText('€50.00');
  await alex.widget.person.click();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(alex.widget.status).toContainText('Position 1');
  await expect(alex.widget.status).toContainText('Estimated wait');

  // The agent sees it, picks it up with transcript, summary and account.
  await expect(sam.desk.item(alex.conversationId)).toBeVisible();
  const axeQueue = await new AxeBuilder({ page: sam.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  expect(axeQueue.violations.map((v) => v.id)).toEqual([]);
  await sam.desk.claim(alex.conversationId);
  await expect(sam.desk.messages('shopper').first()).toContainText('When is my next payment?');
  await expect(sam.desk.summary).toContainText('next payment');
  await expect(sam.desk.account).toContainText('FP-1001');
  await expect(alex.widget.status).toContainText('Sam has joined the conversation.');

  // Messages flow both ways, live.
  await sam.desk.send('Hi Alex, Sam here. I can see your orders.');
  await expect(alex.widget.frame.locator('[data-testid="message"][data-author="agent"]')).toContainText('Sam here');
  await alex.widget.ask('Thanks! Can I move the jacket payment?');
  await expect(sam.desk.messages('shopper').last()).toContainText('move the jacket payment');
  // No assistant reply while a person holds the conversation.
  await expect(alex.widget.assistantMessages()).toHaveCount(1);
  const axeDesk = await new AxeBuilder({ page: sam.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  expect(axeDesk.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // Resolve; the shopper rates.
  await sam.page.getByTestId('resolve').click();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'resolved');
  await alex.widget.frame.getByTestId('rate-5').check({ force: true });
  await alex.widget.frame.getByTestId('rating-comment').fill('Quick and kind');
  await alex.widget.frame.getByTestId('rating-submit').click();
  await expect(alex.widget.frame.getByTestId('rating-thanks')).toBeVisible();
  const axeRated = await new AxeBuilder({ page: alex.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  expect(axeRated.violations.map((v) => v.id)).toEqual([]);
  await alex.context.close();
  await sam.context.close();
});

test('with no agent online the shopper is told at once, leaves a message, and is answered later', async ({ browser }) => {
  const alex = await shopper(browser, { anonymous: true });
  await alex.widget.ask('I have a question about my invoice address');
  await expect(alex.widget.assistantMessages().first()).toBeVisible();
  await alex.widget.person.click();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'awaiting_reply');
  await expect(alex.widget.frame.locator('[data-testid="message"][data-author="system"]')).toContainText('No one from our team is online');
  await alex.widget.frame.getByTestId('contact-email').fill('alex@example.com');
  await alex.widget.frame.getByRole('button', { name: 'Leave message' }).click();
  await expect(alex.widget.frame.getByTestId('contact-thanks')).toContainText('alex@example.com');

  const kim = await agent(browser, KIM);
  await kim.desk.goOnline();
  const item = kim.desk.item(alex.conversationId);
  await expect(item).toContainText('alex@example.com');
  await kim.desk.claim(alex.conversationId);
  await kim.desk.send('Hello, Kim here. Sorry for the wait, let me help.');
  await expect(alex.widget.frame.locator('[data-testid="message"][data-author="agent"]')).toContainText('Kim here');
  await alex.context.close();
  await kim.context.close();
});

test('a fraud message jumps the queue ahead of an earlier ordinary handoff', async ({ browser }) => {
  const sam = await agent(browser, SAM);
  await sam.desk.goOnline();
  const first = await shopper(browser, { anonymous: true });
  await first.widget.person.click();
  await expect(first.widget.status).toContainText('Position 1');

  const victim = await shopper(browser, { anonymous: true });
  await victim.widget.ask("There's a payment on my account I never made. I think someone stole my card details.");
  await expect(victim.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(victim.widget.status).toContainText('Position 1');
  await expect(first.widget.status).toContainText('Position 2');
  await expect(sam.desk.page.getByTestId('queue-item').first()).toHaveAttribute('data-conversation-id', victim.conversationId);
  await expect(sam.desk.item(victim.conversationId).getByTestId('priority')).toBeVisible();
  await Promise.all([first.context.close(), victim.context.close(), sam.context.close()]);
});

test('an agent going offline mid-conversation returns it to the front of the queue and the shopper is told', async ({ browser }) => {
  const sam = await agent(browser, SAM);
  await sam.desk.goOnline();
  const kim = await agent(browser, KIM);
  await kim.desk.goOnline();
  const alex = await shopper(browser, { anonymous: true });
  await alex.widget.person.click();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'queued');
  await sam.desk.claim(alex.conversationId);
  await expect(alex.widget.status).toHaveAttribute('data-state', 'with_agent');
  const other = await shopper(browser, { anonymous: true });
  await other.widget.person.click();
  await expect(other.widget.status).toContainText('Position 1');

  await sam.desk.goOffline();
  await expect(alex.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(alex.widget.status).toContainText('Position 1');
  await expect(alex.widget.frame.locator('[data-testid="message"][data-author="system"]').last()).toContainText('Sam had to leave');
  await expect(other.widget.status).toContainText('Position 2');
  // Kim sees it at the head of the queue.
  await expect(kim.desk.page.getByTestId('queue-item').first()).toHaveAttribute('data-conversation-id', alex.conversationId);
  await Promise.all([alex.context.close(), other.context.close(), sam.context.close(), kim.context.close()]);
});

test('when the last agent goes offline, the queued shopper and the one being helped are told at once and can leave an email', async ({ browser }) => {
  const sam = await agent(browser, SAM);
  await sam.desk.goOnline();
  const helped = await shopper(browser, { anonymous: true });
  await helped.widget.person.click();
  await expect(helped.widget.status).toHaveAttribute('data-state', 'queued');
  await sam.desk.claim(helped.conversationId);
  await expect(helped.widget.status).toHaveAttribute('data-state', 'with_agent');
  const waiting = await shopper(browser, { anonymous: true });
  await waiting.widget.person.click();
  await expect(waiting.widget.status).toContainText('Position 1');

  // Sam, the only one online, leaves: nobody is left to wait for.
  await sam.desk.goOffline();
  await expect(waiting.widget.status).toHaveAttribute('data-state', 'awaiting_reply');
  await expect(waiting.widget.frame.locator('[data-testid="message"][data-author="system"]').last()).toContainText('No one from our team is online');
  await expect(helped.widget.status).toHaveAttribute('data-state', 'awaiting_reply');
  await expect(helped.widget.frame.locator('[data-testid="message"][data-author="system"]').last()).toContainText('Sam had to leave, and no one else');
  for (const [s, email] of [[waiting, 'waiting@example.com'], [helped, 'helped@example.com']]) {
    await s.widget.frame.getByTestId('contact-email').fill(email);
    await s.widget.frame.getByRole('button', { name: 'Leave message' }).click();
    await expect(s.widget.frame.getByTestId('contact-thanks')).toContainText(email);
  }
  // Back online, Sam finds both with their addresses.
  await sam.desk.goOnline();
  await expect(sam.desk.item(waiting.conversationId)).toContainText('waiting@example.com');
  await expect(sam.desk.item(helped.conversationId)).toContainText('helped@example.com');
  await Promise.all([helped.context.close(), waiting.context.close(), sam.context.close()]);
});
