// Where a Wasm binary's bytes go: the code per crate and the largest items, from twiggy
// (installed by scripts/setup-tools.sh). The linker's output, which still carries names, goes
// through wasm-bindgen and `wasm-opt -Oz` as in the build but keeping the names, so the sizes are
// those shipped before compression. Used by size-report.mjs; also runs alone:
//   node scripts/wasm-sizes.mjs target/wasm32-unknown-unknown/release/tandem-widget.wasm [N]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The crate a demangled Rust symbol belongs to: for `<A as B>::f` the type's (the trait's when
 * the type is generic, `<_ as B>`). */
export function crateOf(name) {
  const m = name.replace(/^[<&*(\s]+/, '').replace(/^_ as /, '').match(/^([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::/);
  if (name.startsWith('data segment')) return '(data)';
  return m ? m[1] : '(other)';
}

/** Splits one line of twiggy's CSV (names are quoted with doubled quotes inside). */
function csvLine(line) {
  const cells = [];
  let cell = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { cells.push(cell); cell = ''; }
    else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** Every item of the optimised binary with its own size, or null when twiggy is not installed. */
export function items(file) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-sizes-'));
  let csv;
  try {
    execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', dir, file]);
    const bound = join(dir, readdirSync(dir).find((f) => f.endsWith('_bg.wasm')));
    const opt = join(dir, 'opt.wasm');
    const wasmOpt = join(root, 'tools', 'node_modules', '.bin', 'wasm-opt');
    execFileSync(wasmOpt, ['-Oz', '-g', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', bound, '-o', opt]);
    csv = execFileSync('twiggy', ['top', '-n', '1000000', '-f', 'csv', opt], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return csv.trim().split('\n').slice(1).map(csvLine)
    .map(([name, size]) => ({ name, size: Number(size) }))
    .filter((i) => !/names" subsection|^custom section|^Σ|^\.\.\./.test(i.name));
}

const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
const short = (name) => name.replace(/\[[0-9a-f]+\]/g, '').replace(/::h[0-9a-f]{16}$/, '').slice(0, 110);

/** Prints every crate's share of the code and the `top` largest functions. */
export function report(file, top = 15) {
  if (!existsSync(file)) return console.log(`\n(no ${file}: build the Wasm to see where its bytes go)`);
  const all = items(file);
  if (!all) return console.log('\n(twiggy or wasm-bindgen is not installed: scripts/setup-tools.sh installs them)');
  const total = all.reduce((a, i) => a + i.size, 0);
  console.log(`\nwhere the Wasm's bytes go (${file} after wasm-bindgen and wasm-opt, ${kb(total).trim()} uncompressed):`);
  const crates = new Map();
  for (const i of all) crates.set(crateOf(i.name), (crates.get(crateOf(i.name)) ?? 0) + i.size);
  for (const [c, s] of [...crates].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${c.padEnd(24)} ${kb(s)} ${((100 * s) / total).toFixed(1).padStart(5)}%`);
  }
  console.log('largest items:');
  for (const i of [...all].sort((a, b) => b.size - a.size).slice(0, top)) console.log(`  ${kb(i.size)}  ${short(i.name)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  report(process.argv[2], Number(process.argv[3] || 15));
}
