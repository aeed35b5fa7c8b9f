#!/usr/bin/env bash
# Builds every web asset into dist/: the widget (Trunk, release, wasm-opt -Oz) under dist/embed/,
# the agent console under dist/console/, and the minified loader at dist/widget.js. Installs missing build tools first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup-tools.sh
export PATH="$HOME/.cargo/bin:$root/tools/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
# Size (measured in the size report): both apps' Wasm is built with its own standard library,
# optimised for size, where a panic stops the program at once instead of formatting a message
# nobody reads (the widget: 123 KB -> 111 KB brotli). These are unstable cargo/rustc options of the
# pinned stable toolchain, enabled for these builds only (RUSTC_BOOTSTRAP); tests build as usual.
# The stack is 128 KB instead of Rust's default 1 MB, which the Wasm memory would otherwise hold for
# good (the widget's deepest use is far below it; an overflow traps, it never corrupts).
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Clink-arg=-zstack-size=131072"

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
