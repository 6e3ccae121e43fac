#!/usr/bin/env bash
# Idempotent: installs only what is missing. On a fresh machine ~2.5 min (wasm-bindgen-cli
# compiles for ~2 min); when everything is present, well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "setup: $*"; }

# 1. The Rust target for WebAssembly.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# rustfmt and clippy are part of `make test`.
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

# 2. Chromium + ChromeDriver from Debian, for the browser suites (wasm-bindgen-test, Playwright).
#    Never `npx playwright install`: it downloads a browser, which cannot work here.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Debian chromium + chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 2b. Redis from Debian, for the job-queue example (tests/js/queue.test.mjs starts and stops its
#     own redis-server on 127.0.0.1; the system service is not used).
if ! command -v redis-server >/dev/null; then
  say "installing Debian redis-server"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq redis-server >/dev/null
fi

# 3. wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock.
#    No --locked: the CLI's own lockfile pins a yanked crate (toolchain.md pitfall 1).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -z "$want" ]; then echo "setup: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (was: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# 4. JS tools pinned in tests/package-lock.json: binaryen (wasm-opt), playwright-core, ajv,
#    js-yaml, papaparse, typescript. Never Debian's binaryen: it corrupts wasm-bindgen output.
if ! (cd tests && npm ls --depth=0 >/dev/null 2>&1); then
  say "npm ci in tests/"
  (cd tests && npm ci --no-audit --no-fund)
fi

# 5. cargo-fuzz for the fuzz targets (tests/fuzz), on the nightly toolchain the machines have
#    (libFuzzer's sanitizer flags need nightly). Pinned; ~2 min to build on a fresh machine.
fuzz_want=0.13.2
if ! cargo +nightly fuzz --version 2>/dev/null | grep -q " $fuzz_want"; then
  say "installing cargo-fuzz $fuzz_want (nightly)"
  cargo +nightly install cargo-fuzz --version "$fuzz_want" --force
fi
