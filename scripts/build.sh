#!/usr/bin/env bash
# Builds every web asset into dist/: the widget (Trunk, release, wasm-opt -Oz) under dist/embed/,
# the agent console under dist/console/, and the minified loader at dist/widget.js. Installs missing build tools first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup-tools.sh
export PATH="$HOME/.cargo/bin:$root/tools/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

echo "[build] widget (trunk build --release)" >&2
rm -rf dist/embed
trunk build --release --offline
node scripts/postbuild.mjs dist/embed

echo "[build] agent console (trunk build --release)" >&2
rm -rf dist/console
(cd console && trunk build --release --offline)
node scripts/postbuild.mjs dist/console

echo "[build] loader (terser)" >&2
mkdir -p dist
terser loader/widget.js --compress passes=2 --mangle --comments '/^!/' --output dist/widget.js

echo "[build] precompressed copies (brotli 11, gzip 9)" >&2
node scripts/precompress.mjs dist/embed dist/console dist/widget.js
echo "[build] done: dist/" >&2
