# The README's two commands: `make demo` and `make test`. Both do all set-up on a fresh machine:
# `make demo` (and `make build`) only what building and the demo need (setup-build), `make test`
# everything the suites need too (setup: Chromium, Redis, the npm test tools, cargo-fuzz).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)
# wasm-bindgen-test-runner reads the Chromium options from here (headless flags for a closed network).
export WASM_BINDGEN_TEST_WEBDRIVER_JSON := $(CURDIR)/.cargo/webdriver.json
WASM := --target wasm32-unknown-unknown

.PHONY: all setup setup-build build build-dev test lint test-rust test-wasm test-js fuzz fuzz-smoke demo size bench bench-csv bench-contacts clean

all: build

setup:
	@bash scripts/setup.sh test

setup-build:
	@bash scripts/setup.sh build

build: setup-build
	bash scripts/build.sh

build-dev: setup-build
	bash scripts/build.sh --dev

lint: setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy $(WASM) --all-targets -- -D warnings
	# The CSV-only build (xero-export/csv) compiles src/wasm/ without the `full` feature.
	cargo clippy $(WASM) --lib --no-default-features -- -D warnings

test-rust: setup
	cargo test

# Node suites, then headless Chromium suites; scripts/wasm-tests.sh fails if a suite ran no test.
test-wasm: setup
	bash scripts/wasm-tests.sh

test-js: setup build
	node --test --test-reporter=spec tests/js/

# Every fuzz target for a few seconds (cargo-fuzz, nightly): fails on any crash, and replays every
# crash kept in tests/fuzz/regressions (also part of test-rust). `make fuzz` runs them for long.
fuzz-smoke: setup
	bash scripts/fuzz.sh $${FUZZ_SECONDS:-30}

fuzz: setup
	bash scripts/fuzz.sh $${FUZZ_SECONDS:-600}

test: lint test-rust test-wasm test-js fuzz-smoke
	@echo "make test: all suites passed"

# One line for the build (its compiler output goes to target/build.log), then the demo.
demo: setup-build
	@printf 'build: release wasm and pkg/ … '; s=$$SECONDS; \
	if CSV_ENTRY=skip bash scripts/build.sh > target/build.log 2>&1; then echo "done in $$((SECONDS - s)) s"; \
	else echo "FAILED; full output in target/build.log, its last lines:"; tail -n 25 target/build.log; exit 1; fi
	@node tests/demo/demo.mjs

size: build
	bash scripts/size.sh

# Benchmarks, not tests: print throughput; nothing asserts on time.
bench: setup build
	cargo bench --bench preview
	node tests/bench/preview.mjs

# Tracking-options CSV: a generated 1M-row file validated in Node, MB/s and peak memory against
# papaparse's parse-only speed on the same file.
bench-csv: setup build
	node tests/bench/csv.mjs

# The configuration screen's contact search: per-keystroke latency over 10,000 contacts in the
# built wasm, against a naive JS filter.
bench-contacts: build
	node tests/bench/contacts.mjs

clean:
	cargo clean
	rm -rf pkg
