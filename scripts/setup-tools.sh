#!/usr/bin/env bash
# Installs the build toolchain for the Wasm parts when missing (see ../shared/ENVIRONMENT.md).
# Idempotent: every tool already present at the pinned version is reused.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
root="$(cd "$(dirname "$0")/.." && pwd)"

log() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The Wasm builds compile their own standard library for size (scripts/build.sh).
if ! rustup component list --installed | grep -q '^rust-src'; then
  log "adding the rust-src component"
  rustup component add rust-src
fi

if ! trunk --version 2>/dev/null | grep -q '0.21.14'; then
  log "installing trunk 0.21.14 (about 10 minutes on two cores)"
  cargo install --locked trunk@0.21.14
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q '0.2.130'; then
  log "installing wasm-bindgen-cli 0.2.130 (about 5 minutes)"
  cargo install wasm-bindgen-cli@0.2.130
fi

# The size report's map of the Wasm (scripts/wasm-sizes.mjs).
if ! twiggy --version 2>/dev/null | grep -q '0.8.0'; then
  log "installing twiggy 0.8.0 (about 1 minute)"
  cargo install --locked twiggy@0.8.0
fi

# wasm-opt from npm's binaryen (Debian's 108 emits Wasm that Chromium rejects), and terser for
# the loader; versions pinned by tools/package-lock.json.
if [ ! -x "$root/tools/node_modules/.bin/wasm-opt" ] || [ ! -x "$root/tools/node_modules/.bin/terser" ]; then
  log "installing binaryen 132 (wasm-opt) and terser from npm"
  (cd "$root/tools" && npm ci --no-audit --no-fund --silent >/dev/null)
fi
log "build tools ready"
