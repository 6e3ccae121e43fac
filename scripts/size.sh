#!/usr/bin/env bash
# `make size`: every shipped .wasm (and its JS entry), raw / gzip -9 / brotli (Node's zlib,
# quality 11), against its budget, one line each; then where the bytes of each .wasm are (the
# top contributors by function, from a copy of it with names: scripts/wasm-profile.mjs) and
# the cold start (tests/bench/coldstart.mjs). Prints only; a budget miss fails nothing unless
# SIZE_STRICT=1. Budgets (gzipped, issue 20): everything ≤ 200 KB, the CSV entry ≤ 60 KB.
#   SIZE_TOP=N  contributors listed per build (default 20; 0 skips the profile)
#   SIZE_COLD=0 skips the cold-start measurement
set -euo pipefail
cd "$(dirname "$0")/.."
top=${SIZE_TOP:-20}
node - "${SIZE_STRICT:-0}" <<'EOT'
const { readFileSync, existsSync } = require('node:fs');
const zlib = require('node:zlib');
const strict = process.argv[2] === '1';
const KB = 1024;
const rows = [
  ['full .wasm', 'pkg/web/xero_export_bg.wasm', 200 * KB],
  ['csv .wasm', 'pkg/csv/web/xero_export_csv_bg.wasm', 60 * KB],
  ['full JS (browser entry)', 'pkg/web/index.js', null],
  ['csv JS (browser entry)', 'pkg/csv/web/index.js', null],
];
let missed = 0;
const kb = (n) => `${(n / KB).toFixed(1).padStart(7)} KB`;
for (const [label, file, budget] of rows) {
  if (!existsSync(file)) { console.log(`${label.padEnd(24)} ${file}: missing (run 'make build')`); missed++; continue; }
  const b = readFileSync(file);
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  let verdict = '';
  if (budget) {
    const ok = gz <= budget;
    if (!ok) missed++;
    verdict = `  budget ${kb(budget).trim()} gz: ${ok ? 'ok' : `OVER by ${kb(gz - budget).trim()}`}`;
  }
  console.log(`${label.padEnd(24)} raw ${kb(b.length)}  gzip ${kb(gz)}  brotli ${kb(br)}${verdict}`);
}
if (missed) console.log(`${missed} over budget or missing${strict ? '' : ' (printed only; SIZE_STRICT=1 fails on it)'}`);
if (strict && missed) process.exit(1);
EOT
if [ "$top" != 0 ]; then
  # The shipped files carry no names (wasm-opt strips them); the same optimisation with -g keeps
  # them, so the per-function sizes below are those of the shipped code.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # dir:-ocimfs, as scripts/build.sh and scripts/build-csv.sh optimise each build.
  for build in release:500 release-csv:100; do
    dir=${build%%:*}
    wasm="target/wasm32-unknown-unknown/$dir/xero_export.wasm"
    [ -f "$wasm" ] || continue
    wasm-bindgen --target web --out-dir "$tmp/$dir" "$wasm"
    tests/node_modules/.bin/wasm-opt -Oz -ocimfs "${build##*:}" -g "$tmp/$dir/xero_export_bg.wasm" -o "$tmp/$dir.wasm"
    echo
    echo "== $dir build: top $top functions"
    node scripts/wasm-profile.mjs "$tmp/$dir.wasm" "$top"
    echo "== $dir build: top $top by crate::module"
    node scripts/wasm-profile.mjs "$tmp/$dir.wasm" "$top" --group
  done
fi
if [ "${SIZE_COLD:-1}" != 0 ]; then
  echo
  node tests/bench/coldstart.mjs
fi
