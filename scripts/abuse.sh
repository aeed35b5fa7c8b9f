#!/usr/bin/env bash
# The abuse report (a report, not a test): builds the release server, starts it with its default
# limits (demo data, trusting 127.0.0.1 as its proxy so each simulated client has its own address)
# and prints, each beside a reference measured in the same run: a flood from one address against
# real shoppers' latency, 1,200 streams on one session and abandoned streams' channels, slowloris
# clients cut by the header timeout, and a server with a 512 open-file limit under slowloris.
# About 2 minutes after the build. Extra arguments go to the report (e.g. --seconds 20).
# Exits non-zero only on a malfunction (server exit, 5xx, a limit that does not hold at all).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-target}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build -q --release -p tandem-server --bin tandem-server --example abuse
"$target/release/examples/abuse" --server "$target/release/tandem-server" "$@"
