#!/usr/bin/env bash
# The demo: what linuxkit-ts can do so far, on the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
lk() { node bin/linuxkit.js "$@"; }
echo "== linuxkit version"
lk version
echo "== linuxkit build --dry-run examples/minimal.yml (validated, merged, printed)"
lk build --dry-run examples/minimal.yml
