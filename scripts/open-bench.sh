#!/usr/bin/env bash
# The open-to-interactive benchmark (a report, not a test): builds the release server, starts it in
# demo mode on a free port with a throwaway data directory and the release assets in dist/ (run
# scripts/build.sh first), and runs scripts/open-bench.mjs in Debian's Chromium with the CPU
# throttled 4×: click → usable composer, page load with Tandem('open') → usable composer, and the
# conversation ready, beside a bare iframe with a textarea on the same server, with the bytes
# fetched. Arguments go to the benchmark (e.g. --runs=5 --throttle=6). Exits non-zero on failure;
# leaves nothing running.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$root/target}"

if [ ! -f dist/embed/index.html ] || [ ! -f dist/widget.js ]; then
  echo "open-bench: no release assets in dist/; run scripts/build.sh first" >&2
  exit 1
fi
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
cargo build -q --release -p tandem-server --bin tandem-server

tmp="$(mktemp -d)"
server=""
bench=""
# shellcheck disable=SC2317 # run by the trap
cleanup() {
  for pid in $bench $server; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
# Limits raised (they only turn requests away, they do not slow them): every run is a new shopper
# from the same address.
"$target/release/tandem-server" --demo --pack packs/fjordpay --support-hours always \
  --bind "127.0.0.1:$port" --data-dir "$tmp/data" --assets-dir dist --demo-dir demo \
  --rate-limit-scale 100 >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/merchants/nordic-outdoor/config" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "open-bench: the server exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/merchants/nordic-outdoor/config" || {
  cat "$tmp/server.log" >&2; echo "open-bench: the server did not start" >&2; exit 1; }

echo "[open-bench] release server on 127.0.0.1:$port, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# In the background and waited for, so that Ctrl-C or a TERM stops it (and its Chromium) at once.
node scripts/open-bench.mjs --base="http://127.0.0.1:$port" "$@" &
bench=$!
status=0
wait "$bench" || status=$?
bench=""
exit "$status"
