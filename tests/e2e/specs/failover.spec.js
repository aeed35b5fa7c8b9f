// Failover through the proxy: the demo served by scripts/cluster.sh (PostgreSQL, instances a and b,
// nginx). The shopper's live stream is on one instance; that instance is killed with SIGKILL; the
// widget reconnects through nginx to the other with Last-Event-ID and shows every message once,
// and a message sent during the failover is stored once and answered.
const { test, expect } = require('@playwright/test');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { DemoPage } = require('./pages');

const root = path.resolve(__dirname, '..', '..', '..');
const PORT = Number(process.env.TANDEM_E2E_CLUSTER_PORT || 8097);
const base = `http://127.0.0.1:${PORT}`;
let cluster;
let output = '';
const instances = {}; // name -> { port, pid }

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-failover-'));
  fs.chmodSync(dir, 0o711);
  cluster = spawn(path.join(root, 'scripts', 'cluster.sh'),
    ['--port', String(PORT), '--no-build', '--', '--today', '2026-11-25', '--pack', path.join(root, 'packs', 'fjordpay')], {
      cwd: root,
      env: { ...process.env, TANDEM_SERVER_BIN: path.join(root, 'target', 'debug', 'tandem-server'), TANDEM_CLUSTER_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  cluster.stdout.on('data', (d) => { output += d; });
  cluster.stderr.on('data', (d) => { output += d; });
  const started = Date.now();
  while (!/Stop one instance \(kill (\d+) or kill (\d+)\)/.test(output)) {
    if (cluster.exitCode !== null || Date.now() - started > 150_000) throw new Error(`cluster did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const [, pidA, pidB] = /Stop one instance \(kill (\d+) or kill (\d+)\)/.exec(output);
  const portOf = (name) => Number(new RegExp(`instance ${name} on 127\\.0\\.0\\.1:(\\d+)`).exec(output)[1]);
  instances.a = { port: portOf('a'), pid: Number(pidA) };
  instances.b = { port: portOf('b'), pid: Number(pidB) };
});

test.afterAll(async () => {
  if (cluster && cluster.exitCode === null) {
    const ended = new Promise((r) => cluster.once('exit', r));
    cluster.kill('SIGTERM');
    await Promise.race([ended, new Promise((r) => setTimeout(r, 30_000))]);
  }
});

/** The instance whose live streams include a conversation's (from its own `/metrics`). */
async function streamHolder(request) {
  for (const [name, inst] of Object.entries(instances)) {
    let text;
    try {
      text = await (await request.get(`http://127.0.0.1:${inst.port}/metrics`)).text();
    } catch {
      continue; // the killed one
    }
    const m = /tandem_conversation_channels\{instance="[^"]*"\} (\d+)/.exec(text);
    if (m && Number(m[1]) > 0) return name;
  }
  return null;
}

test('the shopper\'s instance is killed: the widget carries on through the other, nothing missing, nothing twice', async ({ page, request }) => {
  test.setTimeout(120_000);
  const demo = new DemoPage(page);
  await page.goto(`${base}/demo/?anonymous=1`);
  await expect(demo.launcher).toBeVisible();
  await demo.open();
  const w = demo.widget;
  await w.ask('How do late fees work?');
  await expect(w.assistantMessages()).toHaveCount(1);
  const id = await w.conversationId();

  // Find the instance holding the stream, and kill it without warning.
  let holder = null;
  await expect.poll(async () => (holder = await streamHolder(request)), { timeout: 10_000 }).not.toBeNull();
  const survivor = holder === 'a' ? 'b' : 'a';
  process.kill(instances[holder].pid, 'SIGKILL');

  // Sent at once, while the widget is still reconnecting.
  await w.ask('How do returns work?');
  await expect(w.assistantMessages()).toHaveCount(2, { timeout: 30_000 });
  await expect(w.shopperMessages()).toHaveCount(2);
  // The stream is now on the survivor, and a third exchange arrives live.
  await expect.poll(() => streamHolder(request), { timeout: 15_000 }).toBe(survivor);
  await w.ask('Is there a charge for paying early?');
  await expect(w.assistantMessages()).toHaveCount(3, { timeout: 15_000 });
  await expect(w.shopperMessages()).toHaveCount(3);

  // The widget shows each question once, and so does the database: every question stored once
  // and answered once, in order.
  const texts = await w.messages.allInnerTexts();
  expect(texts.filter((t) => t.includes('How do returns work?'))).toHaveLength(1);
  const url = /PostgreSQL:\s+(\S+)/.exec(output)[1];
  const conv = id.replace(/[^a-f0-9-]/g, '');
  const sql = (q) => execFileSync('psql', [url, '-tAc', q], { encoding: 'utf8' }).trim();
  expect(sql(`SELECT string_agg(payload::json->'message'->>'author', ',' ORDER BY seq) FROM events WHERE conversation_id = '${conv}' AND kind = 'message'`))
    .toBe('shopper,assistant,shopper,assistant,shopper,assistant');
  expect(sql(`SELECT COUNT(*) FROM events WHERE conversation_id = '${conv}' AND payload::json->'message'->>'text' = 'How do returns work?'`)).toBe('1');
});
