#!/usr/bin/env bash
# Prints the size of the shipped .wasm, raw and gzipped (budget: 60 KB gzipped).
set -euo pipefail
cd "$(dirname "$0")/.."
f=pkg/web/xero_export_bg.wasm
[ -f "$f" ] || { echo "no $f: run 'make build' first" >&2; exit 1; }
raw=$(wc -c < "$f")
gz=$(gzip -9 -c "$f" | wc -c)
printf 'xero_export_bg.wasm: %d bytes raw, %d bytes gzipped (%.1f KB; budget 60 KB)\n' "$raw" "$gz" "$(awk -v b="$gz" 'BEGIN{print b/1024}')"
