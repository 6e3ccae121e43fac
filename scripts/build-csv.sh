#!/usr/bin/env bash
# The CSV-only build, `xero-export/csv` (called by scripts/build.sh after the full build): the
# same crate without its default `full` feature, so the wasm binding exports only the
# tracking-options CSV and LTO leaves out the rest (Cargo.toml [features]). Its own cargo
# profile keeps it from relinking the full build's .wasm (both are deps/xero_export.wasm).
#   scripts/build-csv.sh release|debug
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
profile=${1:-release}
cargo_profile=release-csv
[ "$profile" = debug ] && cargo_profile=dev-csv
cargo build --lib --target wasm32-unknown-unknown --profile "$cargo_profile" --no-default-features
wasm="target/wasm32-unknown-unknown/$cargo_profile/xero_export.wasm"

rm -rf pkg/csv pkg/csv-glue
mkdir -p pkg/csv/web
wasm-bindgen --target web --out-name xero_export_csv --out-dir pkg/csv-glue "$wasm"
if [ "$profile" = release ]; then
  # -ocimfs 100: as scripts/build.sh says (one-caller functions kept apart), from 100 bytes
  # rather than the full build's 500: 1.0 KB gzipped smaller, the 1M-row validation's speed
  # unchanged within the machine's noise (issue 20; scripts/size.sh profiles it the same way).
  tests/node_modules/.bin/wasm-opt -Oz -ocimfs 100 pkg/csv-glue/xero_export_csv_bg.wasm -o pkg/csv/web/xero_export_csv_bg.wasm
else
  cp pkg/csv-glue/xero_export_csv_bg.wasm pkg/csv/web/
fi
node scripts/glue-factory.mjs pkg/csv-glue/xero_export_csv.js > pkg/csv-glue/factory.js
node scripts/csv-entries.mjs pkg/csv-glue/factory.js
rm -rf pkg/csv-glue
for ext in mts cts; do
  sed "s#'\.\./index.js'#'../index.${ext/ts/js}'#; s#'\.\./types.js'#'../types.${ext/ts/js}'#" pkg-template/csv.d.ts > "pkg/csv/index.d.$ext"
done
echo "built pkg/csv/ ($profile)"
