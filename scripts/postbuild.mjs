// Moves Trunk's inline boot script out of dist/embed/index.html into a file, so the widget page
// runs under `script-src 'self' 'wasm-unsafe-eval'` with no inline script, and minifies
// wasm-bindgen's JS glue (Trunk leaves it as written: 49 KB, 6.9 KB brotli; minified 5.4 KB),
// updating its integrity hash. Fails if any inline script or style attribute remains.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../tools/package.json', import.meta.url)));
const { minify } = require('terser');

const dir = process.argv[2] ?? 'dist/embed';
const page = join(dir, 'index.html');
let html = readFileSync(page, 'utf8');
const inline = /<script type="module"([^>]*)>([\s\S]*?)<\/script>/;
const m = html.match(inline);
if (m && m[2].trim()) {
  const body = m[2].trim() + '\n';
  const name = `boot-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`;
  writeFileSync(join(dir, name), body);
  const attrs = m[1].replace(/\s(nonce|integrity)="[^"]*"/g, '');
  html = html.replace(inline, `<script type="module"${attrs} src="./${name}"></script>`);
  writeFileSync(page, html);
  console.log(`postbuild: moved the inline boot script to ${name}`);
}
// The glue's file keeps its name (Trunk's hash of the unminified text, which changes whenever
// the minified one does); the preload's integrity is the minified file's.
const preload = /<link rel="modulepreload" href="[^"]*\/([^"/]+\.js)"([^>]*) integrity="sha384-[^"]*"/;
const glue = html.match(preload);
if (glue) {
  const file = join(dir, glue[1]);
  const { code } = await minify(readFileSync(file, 'utf8'), { module: true, compress: { passes: 2 }, mangle: true });
  writeFileSync(file, code);
  const sri = 'sha384-' + createHash('sha384').update(code).digest('base64');
  html = html.replace(preload, (m) => m.replace(/integrity="sha384-[^"]*"/, `integrity="${sri}"`));
  writeFileSync(page, html);
  console.log(`postbuild: minified ${glue[1]}`);
}
const leftover = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)];
if (leftover.length || /\sstyle=/.test(html)) {
  console.error('postbuild: inline script or style remains in', page);
  process.exit(1);
}
