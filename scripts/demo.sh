#!/usr/bin/env bash
# Builds everything (installing missing tools) and serves the demo on http://127.0.0.1:8080/demo/.
# The widget is served from http://localhost:8080, a different origin from the demo page, as it
# would be on a real merchant site.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/build.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo run -p tandem-server -- --demo --support-hours always --bind 127.0.0.1:8080 "$@"
