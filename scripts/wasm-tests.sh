#!/usr/bin/env bash
# Runs the wasm32 test suites under Node and in headless Chromium, and fails if any suite that
# should run executed no test (the wasm runner skips silently otherwise). No -q: the runner
# rejects --quiet (toolchain.md pitfall 6).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="${WASM_BINDGEN_TEST_WEBDRIVER_JSON:-$PWD/.cargo/webdriver.json}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # label, cargo test args...
  local label=$1; shift
  cargo test --target wasm32-unknown-unknown "$@" 2>&1 | tee "$log"
  local ran
  ran=$(grep -Eo 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END{print s+0}')
  if [ "$ran" -eq 0 ]; then echo "wasm-tests: the $label suite ran no test" >&2; exit 1; fi
  echo "wasm-tests: $label: $ran tests passed"
}
run "unit (Node)" --lib
run "binding (Node)" --test wasm_node
run "binding (headless Chromium)" --test wasm_browser
