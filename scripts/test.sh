#!/usr/bin/env bash
# Runs every test of the project, installing what is missing on a fresh machine (as root):
# build tools, Chromium, Playwright. Stops at the first failing stage.
#   native tests (protocol, assistant incl. evaluation thresholds, server over real HTTP + SQLite)
#   the server's integration suite again on PostgreSQL (installed from Debian's packages when
#   missing, a throwaway cluster in a temporary directory), including two instances on one database
#   browser component tests (wasm-bindgen-test in headless Chromium)
#   size budgets (release assets)
#   assistant evaluation figures
#   end-to-end tests (Playwright + axe in Chromium against the real server)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$root/tools/node_modules/.bin:$PATH"
stage() { printf '\n==== %s ====\n' "$*"; }

stage "tools"
scripts/setup-tools.sh
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "[test] installing Chromium and ChromeDriver from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The cluster tests (two instances behind nginx, PostgreSQL) need nginx and curl.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] || ! command -v curl >/dev/null; then
  echo "[test] installing nginx and curl from Debian" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light curl >/dev/null
fi
if [ ! -d tests/e2e/node_modules/@playwright/test ] || [ ! -d tests/e2e/node_modules/@axe-core/playwright ]; then
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

stage "build web assets (release)"
scripts/build.sh

stage "native tests"
cargo test --workspace

stage "server tests against PostgreSQL (and two instances on it)"
pg_tmp="$(mktemp -d)"
chmod 711 "$pg_tmp"  # the postgres user must reach its directory inside
trap 'scripts/postgres.sh stop "$pg_tmp/pg" >/dev/null 2>&1 || true; rm -rf "$pg_tmp"' EXIT
pg_url="$(scripts/postgres.sh start "$pg_tmp/pg")"
TANDEM_TEST_DATABASE_URL="$pg_url" cargo test -p tandem-server --lib --test api
scripts/postgres.sh stop "$pg_tmp/pg"

stage "browser component tests (wasm-bindgen-test, headless Chromium)"
CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p tandem-widget --test render --test wire

stage "size budgets"
node scripts/size-report.mjs dist

stage "assistant evaluation"
cargo run -q -p tandem-assistant --release --bin tandem-eval -- --datasets ../shared/datasets

stage "end-to-end (Playwright, Chromium)"
cargo build -q -p tandem-server
(cd tests/e2e && npx playwright test)

stage "all tests passed"
