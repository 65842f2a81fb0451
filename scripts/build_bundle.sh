#!/usr/bin/env bash
# Bundles the collector into build/collect.js (one file, no TypeScript to
# transpile at start: less resident memory on every host) next to the BPF
# object. Rebuilds only when a source is newer.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="${BUILD_DIR:-$here/build}"
mkdir -p "$out"
if [ ! -s "$out/collect.js" ] || [ -n "$(find "$here/scripts" -name '*.ts' -newer "$out/collect.js" -print -quit)" ]; then
  deno bundle --quiet "$here/scripts/collect.ts" -o "$out/collect.js.tmp"
  mv "$out/collect.js.tmp" "$out/collect.js"
fi
