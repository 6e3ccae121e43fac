#!/usr/bin/env bash
# Runs every fuzz target (tests/fuzz/, cargo-fuzz on the nightly toolchain) for SECONDS each,
# starting from the seeds made from the fixtures plus what earlier runs found (kept in
# target/fuzz-corpus). A crash fails the run; its input is copied to
# tests/fuzz/regressions/<target>/, where `cargo test --test fuzz_regressions` replays it:
# commit it with the fix.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (make fuzz: 600 s each; make fuzz-smoke: 30 s each)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(exporter preview run csv_push csv_export amounts sync config resume preview_results csv_snapshot import_contacts sync_contacts preview_repeat json_path)
corpus=$PWD/target/fuzz-corpus
FUZZ_SEEDS_OUT=$corpus cargo test --quiet --test fuzz_regressions every_seed >/dev/null
cargo +nightly fuzz build --fuzz-dir tests/fuzz
failed=()
summary=()
for t in "${targets[@]}"; do
  log=$(mktemp)
  mkdir -p "$corpus/$t"
  if cargo +nightly fuzz run --fuzz-dir tests/fuzz "$t" "$corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
    summary+=("$t: $runs executions in ${seconds}s, no crash")
  else
    tail -n 40 "$log"
    mkdir -p "tests/fuzz/regressions/$t"
    cp tests/fuzz/artifacts/"$t"/* "tests/fuzz/regressions/$t/" 2>/dev/null || true
    summary+=("$t: CRASH (input copied to tests/fuzz/regressions/$t/)")
    failed+=("$t")
  fi
  rm -f "$log"
done
printf 'fuzz: %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
