// Load figure for DESIGN.md's "the server holds thousands of open streams": opens N shopper
// sessions, each with a conversation and a live SSE stream, then sends one message per
// conversation and measures how long until every stream has seen its own message and the
// assistant's reply. Prints open streams, server memory (RSS, when the pid is given) and latencies.
//   node scripts/bench-streams.mjs http://127.0.0.1:8080 2000 [server-pid]
import { readFileSync } from 'node:fs';

const [base = 'http://127.0.0.1:8080', nArg = '1000', pid] = process.argv.slice(2);
const N = Number(nArg);
const rss = () => (pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024 : NaN);
const json = (r) => { if (!r.ok) throw new Error(`${r.status} ${r.url}`); return r.json(); };

const before = rss();
const clients = [];
for (let i = 0; i < N; i += 100) {
  clients.push(...(await Promise.all(Array.from({ length: Math.min(100, N - i) }, async () => {
    const s = await json(await fetch(`${base}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ merchant_id: 'nordic-outdoor' }) }));
    const c = await json(await fetch(`${base}/v1/conversations`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } }));
    return { token: s.token, id: c.id };
  }))));
}
let opened = 0;
const done = [];
await Promise.all(clients.map(async (c) => {
  const res = await fetch(`${base}/v1/conversations/${c.id}/events`, { headers: { authorization: `Bearer ${c.token}` } });
  opened++;
  const reader = res.body.getReader();
  c.messages = 0;
  c.finished = new Promise((resolve) => {
    (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) return;
        c.messages += (dec.decode(value).match(/event: message/g) || []).length;
        if (c.messages >= 2) { resolve(performance.now()); reader.cancel(); return; }
      }
    })();
  });
}));
const held = rss();
console.log(`open streams: ${opened}; server RSS ${before.toFixed(1)} MB before, ${held.toFixed(1)} MB with streams open (${((held - before) * 1024 / N).toFixed(1)} KB per stream)`);
const t0 = performance.now();
await Promise.all(clients.map((c, i) => fetch(`${base}/v1/conversations/${c.id}/messages`, {
  method: 'POST', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ client_id: `bench-${i}`, text: 'How do late fees work?' }),
}).then(json)));
const ends = (await Promise.all(clients.map((c) => c.finished))).map((t) => t - t0).sort((a, b) => a - b);
const q = (p) => ends[Math.min(ends.length - 1, Math.floor(p * ends.length))].toFixed(0);
console.log(`${N} messages sent at once; message + assistant reply seen on every stream: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
process.exit(0);
