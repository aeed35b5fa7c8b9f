#!/usr/bin/env bash
# The load benchmark (a report, not a test): builds the release server, starts a throwaway
# PostgreSQL, raises the file limit for 10,000 streams, and prints, for SQLite and for PostgreSQL
# with one and two instances, messages stored and answered per second with 1/100/1,000 shoppers,
# reply latency, delivery to 10,000 open streams and memory per stream, each beside the database's
# own commit rate on the same disk. Extra arguments go to the benchmark (e.g. --streams 2000).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build -q --release -p tandem-server --bin tandem-server --example bench
tmp="$(mktemp -d)"
chmod 711 "$tmp"
trap 'scripts/postgres.sh stop "$tmp/pg" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
url="$(scripts/postgres.sh start "$tmp/pg")"
target/release/examples/bench --server target/release/tandem-server --postgres "$url" "$@"
