# The README's two commands: `make demo` and `make test`. Both do all set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)
# wasm-bindgen-test-runner reads the Chromium options from here (headless flags for a closed network).
export WASM_BINDGEN_TEST_WEBDRIVER_JSON := $(CURDIR)/.cargo/webdriver.json
WASM := --target wasm32-unknown-unknown

.PHONY: all setup build build-dev test lint test-rust test-wasm test-js fuzz fuzz-smoke demo size bench bench-csv bench-contacts clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	bash scripts/build.sh

build-dev: setup
	bash scripts/build.sh --dev

lint: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy $(WASM) --all-targets -- -D warnings

test-rust: setup
	cargo test

# Node suites, then headless Chromium suites; scripts/wasm-tests.sh fails if a suite ran no test.
test-wasm: setup
	bash scripts/wasm-tests.sh

test-js: build
	node --test --test-reporter=spec tests/js/

# Every fuzz target for a few seconds (cargo-fuzz, nightly): fails on any crash, and replays every
# crash kept in tests/fuzz/regressions (also part of test-rust). `make fuzz` runs them for long.
fuzz-smoke: setup
	bash scripts/fuzz.sh $${FUZZ_SECONDS:-30}

fuzz: setup
	bash scripts/fuzz.sh $${FUZZ_SECONDS:-600}

test: lint test-rust test-wasm test-js fuzz-smoke
	@echo "make test: all suites passed"

demo: build
	node tests/demo/demo.mjs

size: build
	bash scripts/size.sh

# Benchmarks, not tests: print throughput; nothing asserts on time.
bench: build
	cargo bench --bench preview
	node tests/bench/preview.mjs

# Tracking-options CSV: a generated 1M-row file validated in Node, MB/s and peak memory against
# papaparse's parse-only speed on the same file.
bench-csv: build
	node tests/bench/csv.mjs

# The configuration screen's contact search: per-keystroke latency over 10,000 contacts in the
# built wasm, against a naive JS filter.
bench-contacts: build
	node tests/bench/contacts.mjs

clean:
	cargo clean
	rm -rf pkg
