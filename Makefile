# viatrack — the two commands a newcomer types are `make dev` and `make test` (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
export CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: help setup build build-tracker build-worker dev test test-core test-tracker test-worker lint bench size fuzz

help:
	@echo "make dev    - set up, build, migrate + seed the local D1, run the Worker and demo on http://127.0.0.1:8787"
	@echo "make test   - set up, build, and run every test (core, browser tracker, Worker, end to end)"
	@echo "make bench  - benchmark the Worker (click vs no-op route), lists, and the time to the click report vs a baseline"
	@echo "make size   - print the tracker's gzip sizes per file and per page view"
	@echo "make fuzz   - fuzz core's parsers for VIATRACK_FUZZ_SECONDS (10) s each and print executions"

setup:
	@bash scripts/setup.sh

build-tracker:
	@bash scripts/build-tracker.sh

build-worker:
	@bash scripts/build-worker.sh

build: build-tracker build-worker

dev: setup build
	@bash scripts/dev.sh

lint:
	cargo fmt --all --check
	cargo clippy -p viatrack-core -p viatrack-openapi --all-targets -- -D warnings
	cargo clippy -p viatrack-tracker -p viatrack-worker --target wasm32-unknown-unknown -- -D warnings

test-core:
	cargo test -p viatrack-core -p viatrack-openapi

# The module's own tests (crates/tracker/tests) in headless Chromium: wasm-bindgen-test-runner
# (installed with wasm-bindgen-cli) runs them through $(CHROMEDRIVER).
test-tracker:
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p viatrack-tracker --target wasm32-unknown-unknown

test-worker:
	npm test

# Each step prints its start and elapsed time, and a table of all steps at the end
# (scripts/steps.sh).
test:
	@bash scripts/steps.sh setup lint test-core build-tracker build-worker test-tracker test-worker

bench: setup build
	@bash scripts/bench.sh

# Fuzz targets (crates/fuzz, bolero): a bounded run, never part of `make test`.
fuzz:
	set -o pipefail; cargo test -p viatrack-fuzz --release --test parsers -- --nocapture --test-threads=1 2>&1 | grep -E '^fuzz |test result|panicked|FAILED'

size: setup build-tracker
	@bash scripts/size.sh
