// Prints raw, gzip and brotli sizes of the loader and of the widget's first open (everything the
// iframe page fetches: HTML, JS, Wasm, CSS), as served (the build's precompressed .br/.gz copies
// when present), fails when a budget is exceeded, and shows where the widget's Wasm bytes go.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { report } from './wasm-sizes.mjs';

const LOADER_BUDGET = 1600;           // widget.js, brotli
// Wasm + JS + CSS + HTML, brotli: what was reached (103.6 KB), held with a little room; the goal
// is 90 KB (issue 12), and this number only ever moves down.
const FIRST_OPEN_BUDGET = 106 * 1024;
const dist = process.argv[2] ?? 'dist';

function sizes(file) {
  const buf = readFileSync(file);
  const served = (ext, compress) => (existsSync(file + ext) ? statSync(file + ext).size : compress(buf).length);
  return {
    raw: buf.length,
    gzip: served('.gz', (b) => gzipSync(b, { level: 9 })),
    brotli: served('.br', (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })),
  };
}
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
const row = (name, s) => console.log(`${name.padEnd(44)} ${kb(s.raw)} ${kb(s.gzip)} ${kb(s.brotli)}`);

console.log(`${'asset'.padEnd(44)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)} ${'brotli'.padStart(10)}`);
const loader = sizes(join(dist, 'widget.js'));
row('widget.js (loader)', loader);

const embed = join(dist, 'embed');
const total = { raw: 0, gzip: 0, brotli: 0 };
for (const f of readdirSync(embed).sort()) {
  const p = join(embed, f);
  if (!statSync(p).isFile() || !/\.(wasm|js|css|html)$/.test(f)) continue;
  const s = sizes(p);
  row(`embed/${f}`, s);
  for (const k of Object.keys(total)) total[k] += s[k];
}
row('widget first open (total)', total);

let failed = false;
if (loader.brotli > LOADER_BUDGET) { console.error(`FAIL: loader is ${loader.brotli} B brotli, budget ${LOADER_BUDGET} B`); failed = true; }
if (total.brotli > FIRST_OPEN_BUDGET) { console.error(`FAIL: first open is ${total.brotli} B brotli, budget ${FIRST_OPEN_BUDGET} B`); failed = true; }
console.log(failed ? 'size budgets: FAILED' : `size budgets: ok (loader ${loader.brotli} B <= ${LOADER_BUDGET} B, first open ${total.brotli} B <= ${FIRST_OPEN_BUDGET} B brotli)`);
const target = process.env.CARGO_TARGET_DIR || join(dist, '..', 'target');
report(join(target, 'wasm32-unknown-unknown', 'release', 'tandem-widget.wasm'));
process.exit(failed ? 1 : 0);
