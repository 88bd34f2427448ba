#!/usr/bin/env bash
# Pull benchmark: linuxkit-ts vs skopeo from a local registry (see bench/pull.mjs).
# Env: RUNS (5), LAYERS (8), LAYER_MB (25).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p .
exec node bench/pull.mjs
