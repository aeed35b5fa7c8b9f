// Moves Trunk's inline boot script out of dist/embed/index.html into a file, so the widget page
// runs under `script-src 'self' 'wasm-unsafe-eval'` with no inline script. Fails if any inline
// script or style attribute remains.
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

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
const leftover = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)];
if (leftover.length || /\sstyle=/.test(html)) {
  console.error('postbuild: inline script or style remains in', page);
  process.exit(1);
}
