// The open-to-interactive benchmark (a report, not a test; run it through scripts/open-bench.sh,
// which builds and starts the server). In Debian's Chromium with the CPU throttled (4× by default,
// CDP Emulation.setCPUThrottlingRate), N runs of each scenario, each in a fresh browser context
// (cold cache), then once more in the same context (warm cache, a returning visitor):
//   click  the api host page (/demo/hosts/api): click on the launcher → usable composer (the
//          widget's textarea visible and enabled, its iframe shown) and → conversation ready
//          (the widget root's data-conversation set);
//   open   /demo/hosts/api?early=1, which calls Tandem('open') while the page loads: navigation
//          start → usable composer, → conversation ready;
// beside the same two on the reference, /demo/hosts/assets/bare.html: a button and an iframe on the
// widget's origin holding a textarea, "ready" after one API call (what any iframe chat costs).
// Times are stamped in the page (rAF and MutationObserver, one clock across frames); the iframes
// run in the page's renderer (site isolation off, as on most phones) so the throttling covers them,
// and the script checks the slowdown it really got. Prints medians and p90s, bytes on the wire by
// kind (widget files, API, host page), requests, and any failed request; exits 1 on any failure.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests', 'e2e', 'package.json'));
const { chromium } = require('playwright-core');

// --name=value or --name value.
const args = {};
for (let i = 2, argv = process.argv; i < argv.length; i++) {
  const [k, v] = argv[i].replace(/^--/, '').split('=');
  args[k] = v ?? (argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : '1');
}
const base = args.base || process.env.TANDEM_BENCH_BASE;
const runs = Number(args.runs || 15);
const rate = Number(args.throttle || 4);
if (!base || !(runs > 0) || !(rate >= 1)) {
  console.error('usage: open-bench.mjs --base=http://127.0.0.1:PORT [--runs=15] [--throttle=4]');
  process.exit(2);
}
// The widget's origin is localhost, the pages' 127.0.0.1: the iframe is cross-origin, as on a shop.
const widgetOrigin = base.replace('://127.0.0.1', '://localhost');
const TIMEOUT_MS = 30_000;

const SITES = {
  tandem: {
    click: `${base}/demo/hosts/api`,
    open: `${base}/demo/hosts/api?early=1`,
    launcher: 'tandem-widget button.l',
    frame: (url) => url.includes('/embed/'),
  },
  bare: {
    click: `${base}/demo/hosts/assets/bare.html?origin=${encodeURIComponent(widgetOrigin)}`,
    open: `${base}/demo/hosts/assets/bare.html?open=1&origin=${encodeURIComponent(widgetOrigin)}`,
    launcher: '#chat',
    frame: (url) => url.includes('/bare-frame.html'),
  },
};

// Runs in every frame before its own scripts: stamps (ms since the epoch, high resolution) the first
// click, the first frame where the chat iframe is shown (top), and where the composer is usable and
// the conversation id set (frame).
const MARKS = () => {
  const now = () => performance.timeOrigin + performance.now();
  const m = (window.__bench = { origin: performance.timeOrigin });
  const top = window === window.top;
  // The widget's Wasm instance (Trunk's boot script announces it), for the memory it holds.
  addEventListener('TrunkApplicationStarted', (e) => { m.memory = e.detail?.wasm?.memory; });
  if (top) addEventListener('click', (e) => { m.click ??= performance.timeOrigin + e.timeStamp; }, true);
  const check = () => {
    if (top) {
      const f = document.querySelector('tandem-widget')?.shadowRoot?.querySelector('iframe') ?? document.querySelector('iframe');
      if (f && !m.shown && f.checkVisibility() && f.getBoundingClientRect().width > 0) m.shown = now();
      return !!m.shown;
    }
    const c = document.querySelector('[data-testid="composer"]');
    if (c && !m.usable && c.checkVisibility() && !c.disabled && !c.readOnly) m.usable = now();
    if (!m.ready && document.querySelector('[data-conversation]')?.getAttribute('data-conversation')) m.ready = now();
    return !!(m.usable && m.ready);
  };
  const frame = () => { if (!check()) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
};

/** A fixed amount of work, timed in ms (to check the throttling really applies in a frame). */
const WORK = () => {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 3e6; i++) x = (x + i * i) % 1000003;
  return performance.now() - t + (x < 0 ? 1 : 0);
};

const kindOf = (url) => {
  const p = new URL(url).pathname;
  if (p.startsWith('/v1/')) return 'api';
  if (p.startsWith('/embed/') || p === '/widget.js' || p.endsWith('/bare-frame.html')) return 'widget';
  return 'page';
};

/** Records every request of a context: bytes on the wire (headers + encoded body) by kind, failures. */
function recordNetwork(context) {
  const net = { requests: 0, bytes: { widget: 0, api: 0, page: 0 }, failed: [], pending: new Set(), log: [] };
  context.on('request', (r) => { net.requests++; net.pending.add(r); });
  context.on('requestfinished', async (r) => {
    net.pending.delete(r);
    const s = await r.sizes().catch(() => null);
    if (s) net.bytes[kindOf(r.url())] += s.responseHeadersSize + s.responseBodySize;
    const res = await r.response().catch(() => null);
    const u = new URL(r.url());
    net.log.push(`${r.method()} ${u.host === new URL(base).host ? '' : u.host}${u.pathname} ${res?.status() ?? '-'} ${s ? s.responseHeadersSize + s.responseBodySize : 0} B`);
    if (res && res.status() >= 400) net.failed.push(`${res.status()} ${r.method()} ${r.url()}`);
  });
  context.on('requestfailed', (r) => {
    net.pending.delete(r);
    const why = r.failure()?.errorText ?? 'failed';
    // A stream or fetch cut by the benchmark closing the page is not the widget failing.
    if (!net.closing) net.failed.push(`${why} ${r.method()} ${r.url()}`);
  });
  return net;
}

async function until(what, fn) {
  const end = Date.now() + TIMEOUT_MS;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One measurement on a new page of `context`: returns times (ms) and the throttling check. */
async function measure(context, net, site, scenario) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  try {
    const url = SITES[site][scenario];
    if (scenario === 'click') {
      await page.goto(url, { waitUntil: 'load' });
      await page.locator(SITES[site].launcher).waitFor({ state: 'visible' });
      await page.waitForTimeout(300); // let the page settle: the click starts from an idle page
      await page.locator(SITES[site].launcher).click();
    } else {
      await page.goto(url, { waitUntil: 'commit' });
    }
    const frame = await until('the chat frame', () => page.frames().find((f) => SITES[site].frame(f.url())));
    const inner = await until('a usable composer and a conversation', () =>
      frame.evaluate(() => window.__bench?.usable && window.__bench?.ready && window.__bench).catch(() => null));
    const top = await until('the iframe shown', () => page.evaluate(() => window.__bench?.shown && window.__bench));
    const start = scenario === 'click' ? top.click : top.origin;
    if (!start) throw new Error('no click was seen');
    const usable = Math.max(inner.usable, top.shown);
    const wasmBytes = await frame.evaluate(() => window.__bench.memory?.buffer.byteLength ?? 0);
    const work = { page: await page.evaluate(WORK), frame: await frame.evaluate(WORK) };
    await page.waitForTimeout(200); // the last sizes come in
    const wire = { requests: net.requests, bytes: { ...net.bytes }, log: [...net.log] };
    return { usable: usable - start, ready: Math.max(inner.ready, top.shown) - start, work, wire, wasmBytes };
  } finally {
    net.closing = true;
    await cdp.detach().catch(() => {});
    await page.close();
    net.closing = false;
  }
}

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
}
const ms = (x) => `${Math.round(x)} ms`.padStart(7);
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // Site isolation off: the cross-origin iframe runs in the page's renderer, so the page's CPU
  // throttling covers it (checked below), as on phones, where most sites share a process.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-dev-shm-usage', '--disable-site-isolation-trials',
    '--disable-extensions', '--no-first-run'],
});
let failed = false;
const failures = new Map(); // "site/scenario: status method url" → runs
try {
  // The unthrottled cost of WORK, for the throttling check.
  const calib = await browser.newContext();
  const cpage = await calib.newPage();
  const base1 = median(await Promise.all([0, 1, 2].map(() => cpage.evaluate(WORK))));
  await calib.close();

  const results = {};
  for (let run = 0; run < runs; run++) {
    for (const site of Object.keys(SITES)) {
      for (const scenario of ['click', 'open']) {
        const key = `${site}/${scenario}`;
        const r = (results[key] ??= { cold: [], warm: [], net: [], warmNet: [], slow: [] });
        const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
        await context.addInitScript(MARKS);
        const net = recordNetwork(context);
        try {
          const cold = await measure(context, net, site, scenario);
          const warm = await measure(context, net, site, scenario);
          r.cold.push(cold);
          r.warm.push(warm);
          r.net.push(cold.wire);
          r.warmNet.push({
            requests: warm.wire.requests - cold.wire.requests,
            bytes: Object.fromEntries(Object.keys(warm.wire.bytes).map((k) => [k, warm.wire.bytes[k] - cold.wire.bytes[k]])),
          });
          r.slow.push(cold.work.page / base1, cold.work.frame / base1);
        } finally {
          net.closing = true;
          await context.close();
        }
        for (const f of net.failed) failures.set(`${key}: ${f}`, (failures.get(`${key}: ${f}`) ?? 0) + 1);
      }
    }
    process.stderr.write(`[open-bench] run ${run + 1}/${runs} done\n`);
  }

  console.log(`Open-to-interactive, Chromium ${browser.version()}, CPU throttled ${rate}×, ${runs} runs each; median (p90)`);
  console.log(`cold = fresh browser context (empty cache); warm = the same context again (cached files, stored session)\n`);
  const line = (xs) => `${median(xs) === undefined ? '' : `${ms(median(xs))} (${ms(quantile(xs, 0.9)).trim()})`}`;
  const rows = [
    ['click → usable composer', 'click', 'usable'],
    ['click → conversation ready', 'click', 'ready'],
    ["load with Tandem('open') → usable composer", 'open', 'usable'],
    ["load with Tandem('open') → conversation ready", 'open', 'ready'],
  ];
  console.log(`${''.padEnd(46)}${'Tandem cold'.padEnd(20)}${'bare iframe cold'.padEnd(20)}${'Tandem warm'.padEnd(20)}bare iframe warm`);
  for (const [label, scenario, field] of rows) {
    const cell = (site, cache) => line(results[`${site}/${scenario}`][cache].map((x) => x[field])).padEnd(20);
    console.log(`${label.padEnd(46)}${cell('tandem', 'cold')}${cell('bare', 'cold')}${cell('tandem', 'warm')}${cell('bare', 'warm')}`);
  }
  console.log('\nOn the wire per page (headers + encoded bodies; an open event stream not counted), median:');
  for (const cache of ['net', 'warmNet']) {
    for (const key of Object.keys(results)) {
      const n = results[key][cache];
      const m = (f) => median(n.map(f));
      console.log(`  ${`${key} ${cache === 'net' ? 'cold' : 'warm'}`.padEnd(18)} widget files ${kb(m((x) => x.bytes.widget)).padStart(9)}, API ${kb(m((x) => x.bytes.api)).padStart(8)}, host page ${kb(m((x) => x.bytes.page)).padStart(8)}; ${m((x) => x.requests)} requests`);
    }
  }
  const mem = results['tandem/click'].cold.map((x) => x.wasmBytes);
  console.log(`\nWasm memory the widget holds once the conversation is ready (click, cold): median ${kb(median(mem))}, max ${kb(Math.max(...mem))}.`);
  const slow = Object.values(results).flatMap((r) => r.slow);
  const last = results['tandem/click'].net.at(-1).log;
  console.log(`\nTandem's finished requests in the last cold click run, in order of completion:\n  ${last.join('\n  ')}`);
  const slowPage = Object.values(results).flatMap((r) => r.slow.filter((_, i) => i % 2 === 0));
  const slowFrame = Object.values(results).flatMap((r) => r.slow.filter((_, i) => i % 2 === 1));
  console.log(`\nThrottling check: a fixed loop ran ${median(slowPage).toFixed(1)}× slower in the host page and ${median(slowFrame).toFixed(1)}× in the chat frame (medians; min ${Math.min(...slow).toFixed(1)}×) than unthrottled.`);
  if (Math.min(...slow) < rate * 0.6) {
    failed = true;
    console.error('the CPU throttling did not apply to every frame: the figures are not comparable');
  }
  console.log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} cores).`);
  if (failures.size === 0) console.log('No failed requests.');
  else {
    failed = true;
    console.log('Failed requests (as the browser reports them; cold and warm pages):');
    for (const [f, n] of failures) console.log(`  ${f}  (${n}×)`);
  }
} catch (e) {
  failed = true;
  console.error(`open-bench: ${e.stack || e}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
