#!/usr/bin/env bash
# Idempotent: installs only what is missing; when everything is present, well under a second.
#   scripts/setup.sh build   what building the package and `make demo` need: the wasm32 target,
#                            wasm-bindgen-cli, the npm `dependencies` of tests/ (wasm-opt, Prism)
#   scripts/setup.sh test    (default) all of that plus what `make test` needs: rustfmt/clippy,
#                            Debian Chromium + ChromeDriver, Redis, every npm test tool, cargo-fuzz
# One line per step on the terminal ("setup: wasm-bindgen-cli 0.2.130 … done in 118 s"); the
# tools' own output goes to target/setup.log, whose last lines are printed if a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mode=${1:-test}
case "$mode" in build|test) ;; *) echo "usage: scripts/setup.sh [build|test]" >&2; exit 2 ;; esac
mkdir -p target
log=$PWD/target/setup.log

# step "<what>" <command…>: runs the command with its output in the log, one line on the terminal.
step() {
  local what=$1; shift
  local start=$SECONDS
  printf 'setup: %s … ' "$what"
  echo "=== $(date -u +%FT%TZ) $what: $*" >> "$log"
  if "$@" >> "$log" 2>&1; then
    echo "done in $((SECONDS - start)) s"
  else
    echo "FAILED after $((SECONDS - start)) s"
    echo "setup: full output in $log; its last lines:" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
}
apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@"
}

# --- What building and the demo need -------------------------------------------------------
# The Rust target for WebAssembly.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target wasm32-unknown-unknown" rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock.
# No --locked: the CLI's own lockfile pins a yanked crate (toolchain.md pitfall 1).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -z "$want" ]; then echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
if [ "$have" != "$want" ]; then
  step "wasm-bindgen-cli $want (was: ${have:-none}; compiles for ~2 min)" \
    cargo install wasm-bindgen-cli --version "$want" --force
fi

# JS tools pinned in tests/package-lock.json. Never Debian's binaryen: it corrupts wasm-bindgen
# output. `build` takes the `dependencies` only (wasm-opt, Prism + js-yaml for the send demo).
if [ "$mode" = build ]; then
  if ! (cd tests && npm ls --omit=dev --depth=0 >/dev/null 2>&1); then
    step "npm ci --omit=dev in tests/ (wasm-opt, Prism)" \
      bash -c 'cd tests && npm ci --omit=dev --no-audit --no-fund'
  fi
  exit 0
fi

# --- What the tests need as well --------------------------------------------------------------
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || step "rustup component $c" rustup component add "$c"
done

# Chromium + ChromeDriver from Debian, for the browser suites (wasm-bindgen-test, Playwright).
# Never `npx playwright install`: it downloads a browser, which cannot work here.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  step "Debian chromium + chromium-driver" apt_install chromium chromium-driver
fi

# Redis from Debian, for the job-queue example (tests/js/queue.test.mjs starts and stops its own
# redis-server on 127.0.0.1; the system service is not used).
if ! command -v redis-server >/dev/null; then
  step "Debian redis-server" apt_install redis-server
fi

if ! (cd tests && npm ls --depth=0 >/dev/null 2>&1); then
  step "npm ci in tests/ (every test tool)" bash -c 'cd tests && npm ci --no-audit --no-fund'
fi

# cargo-fuzz for the fuzz targets (tests/fuzz), on the nightly toolchain the machines have
# (libFuzzer's sanitizer flags need nightly). Pinned; ~2 min to build on a fresh machine.
fuzz_want=0.13.2
if ! cargo +nightly fuzz --version 2>/dev/null | grep -q " $fuzz_want"; then
  step "cargo-fuzz $fuzz_want (nightly; compiles for ~2 min)" \
    cargo +nightly install cargo-fuzz --version "$fuzz_want" --force
fi
