// Continuity: one conversation per shopper and merchant site, whatever the tab or reload. Two tabs in
// one browser context (the same shopper on the same shop) share the session and the conversation;
// nothing creates a second one.
const { test, expect } = require('@playwright/test');
const { DemoPage, HostPage, endDemoShopperConversation } = require('./pages');
const { agentOnline, resetDesk } = require('./agent');

test.beforeEach(async ({ playwright, baseURL }) => {
  await resetDesk(playwright, baseURL);
  // The signed-in demo shopper starts without an open conversation (theirs follows them anywhere).
  await endDemoShopperConversation(playwright, baseURL);
});

test.afterAll(async ({ playwright }, testInfo) => {
  await endDemoShopperConversation(playwright, testInfo.project.use.baseURL);
});

/**
 * Counts the conversations the widget creates in a context: at start-up (`POST /v1/start` answering
 * `new_conversation`) or after a resolved one (`POST /v1/conversations`).
 */
function countCreations(context) {
  const created = [];
  const reading = [];
  context.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.request().method() !== 'POST') return;
    if (path === '/v1/conversations') created.push(r.url());
    if (path === '/v1/start') reading.push(r.json().then((s) => { if (s.new_conversation) created.push(r.url()); }, () => {}));
  });
  // The answers seen so far, all read (a response event comes before the page has its body).
  return { count: async () => { await Promise.all(reading); return created.length; } };
}

test('signed in: the conversation resumes across a reload and in a second tab, and stays one conversation', async ({ browser, request }) => {
  await agentOnline(request, 'sam@fjordpay.example', 'tandem-demo-sam');
  const context = await browser.newContext();
  const created = countCreations(context);

  // Tab 1: a question and its answer.
  const one = new DemoPage(await context.newPage());
  await one.goto();
  await one.open();
  await one.widget.ask('When is my next payment?');
  await expect(one.widget.assistantMessages().first()).toContainText('€50.00');
  const id = await one.widget.conversationId();
  expect(await created.count()).toBe(1);

  // Tab 2, same shop: the same conversation with the same messages, and no new conversation.
  const two = new DemoPage(await context.newPage());
  await two.goto();
  await two.open();
  expect(await two.widget.conversationId()).toBe(id);
  await expect(two.widget.shopperMessages()).toHaveCount(1);
  await expect(two.widget.shopperMessages().first()).toContainText('When is my next payment?');
  await expect(two.widget.assistantMessages()).toHaveCount(1);
  await expect(two.widget.assistantMessages().first()).toContainText('€50.00');
  expect(await created.count()).toBe(1);

  // A question in tab 2 reaches tab 1 live, answer included.
  await two.widget.ask('Where is my refund for the books?');
  await expect(two.widget.assistantMessages()).toHaveCount(2);
  await expect(one.widget.shopperMessages()).toHaveCount(2);
  await expect(one.widget.shopperMessages().last()).toContainText('Where is my refund for the books?');
  await expect(one.widget.assistantMessages()).toHaveCount(2);

  // A reload of tab 1 resumes it, in order.
  await one.page.reload();
  await one.open();
  expect(await one.widget.conversationId()).toBe(id);
  await expect(one.widget.shopperMessages()).toHaveText([/When is my next payment\?/, /Where is my refund for the books\?/]);
  await expect(one.widget.assistantMessages()).toHaveCount(2);
  expect(await created.count()).toBe(1);

  // The desk sees one conversation for this shopper: asking for a person from tab 2 queues exactly
  // it, and tab 1 shows the same state.
  await two.widget.person.click();
  await expect(two.widget.status).toHaveAttribute('data-state', 'queued');
  await expect(one.widget.status).toHaveAttribute('data-state', 'queued');
  const queue = await (await request.get('/v1/agent/queue')).json();
  expect(queue.items.map((i) => i.conversation_id)).toEqual([id]);
  expect(queue.items[0].shopper_name).toContain('Alex');
  expect(await created.count()).toBe(1);
  await context.close();
});

test('anonymous: another page of the same shop in a new tab continues the same conversation', async ({ browser }) => {
  const context = await browser.newContext();
  const created = countCreations(context);
  const one = new DemoPage(await context.newPage());
  await one.goto({ anonymous: true });
  await one.open();
  await one.widget.ask('How do late fees work?');
  await expect(one.widget.assistantMessages().first()).toContainText(/fee/i);
  const id = await one.widget.conversationId();

  // Another page of the shop (same site, same merchant), in a second tab.
  const two = new HostPage(await context.newPage(), 'api');
  await two.goto();
  await two.open();
  expect(await two.widget.conversationId()).toBe(id);
  await expect(two.widget.shopperMessages()).toHaveText([/How do late fees work\?/]);
  await expect(two.widget.assistantMessages().first()).toContainText(/fee/i);
  expect(await created.count()).toBe(1);

  // And back in tab 1 after a reload, the message sent in tab 2 is there.
  await two.widget.ask('When is my next payment?');
  await expect(two.widget.assistantMessages()).toHaveCount(2);
  await one.page.reload();
  await one.open();
  expect(await one.widget.conversationId()).toBe(id);
  await expect(one.widget.shopperMessages()).toHaveCount(2);
  expect(await created.count()).toBe(1);
  await context.close();
});

test('a rate-limited stream keeps the session: the widget waits the Retry-After and follows the same conversation', async ({ browser }) => {
  // Issue 12: the widget took a 429 on its stream for a refusal, forgot the stored session and
  // started over. Now it waits and reconnects, and nothing but the stream is asked for again.
  const context = await browser.newContext();
  const created = countCreations(context);
  let limited = 0;
  const afterLimit = [];
  context.on('request', (r) => {
    if (limited > 0) afterLimit.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  await context.route('**/v1/conversations/*/events', async (route) => {
    if (limited >= 2) return route.continue();
    limited += 1;
    return route.fulfill({
      status: 429,
      headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
      body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many open streams.' } }),
    });
  });
  const one = new DemoPage(await context.newPage());
  await one.goto({ anonymous: true });
  await one.open();
  const id = await one.widget.conversationId();
  const streams = () => afterLimit.filter((r) => r.endsWith('/events')).length;
  // Two refused openings, then the third goes through.
  await expect.poll(streams, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  expect(afterLimit.filter((r) => !r.endsWith('/events'))).toEqual([]);

  // The stream is live again: the assistant's answer arrives through it, in the same conversation.
  await one.widget.ask('How do late fees work?');
  await expect(one.widget.assistantMessages().first()).toContainText(/fee/i);
  expect(await one.widget.conversationId()).toBe(id);
  expect(limited).toBe(2);
  expect(afterLimit.filter((r) => /\/start$|sessions|\/conversations(\/latest)?$|\/conversations\/[^/]+$/.test(r))).toEqual([]);
  expect(await created.count()).toBe(1);
  await context.close();
});
