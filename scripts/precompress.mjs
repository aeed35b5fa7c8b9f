// Writes a brotli (quality 11) and a gzip (level 9) copy beside every compressible file under the
// given directories, once at build time: the server sends these as they are (no compression per
// request, and the smallest encoding), the file itself to clients that accept neither.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const COMPRESSIBLE = /\.(wasm|js|mjs|css|html|svg|json|txt)$/;

function walk(path) {
  const st = statSync(path);
  if (st.isDirectory()) return readdirSync(path).flatMap((f) => walk(join(path, f)));
  return COMPRESSIBLE.test(path) ? [path] : [];
}

let saved = 0;
for (const file of process.argv.slice(2).flatMap(walk)) {
  const buf = readFileSync(file);
  const br = brotliCompressSync(buf, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      [constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
  const gz = gzipSync(buf, { level: 9 });
  // A copy that is not smaller is not worth a request's Content-Encoding.
  if (br.length < buf.length) writeFileSync(file + '.br', br);
  if (gz.length < buf.length) writeFileSync(file + '.gz', gz);
  saved += buf.length - Math.min(br.length, buf.length);
}
console.error(`[precompress] brotli copies save ${(saved / 1024).toFixed(1)} KB in all`);
