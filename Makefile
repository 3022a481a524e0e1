# The one command that runs every test: `make test`.
.PHONY: test lint rust-test eval eval-swefaq

SWEFAQ ?= ../shared/data/swefaq/dev
SHELL := /bin/bash

test: lint rust-test

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# Runs every Rust test, then closes with one line of totals over all test binaries.
rust-test:
	mkdir -p target
	set -o pipefail; cargo test --workspace 2>&1 | tee target/test.log
	@awk '/^test result:/ {p += $$4; f += $$6} END {printf "%d passed, %d failed\n", p, f}' target/test.log

# Suggestion quality on the bundled set and on SweFAQ dev, side by side with plain Tantivy.
eval:
	cargo run --release -q -p vagvisare-cli -- eval --guides data/guides --queries data/eval --engine both

eval-swefaq:
	cargo run --release -q -p vagvisare-cli -- eval --guides $(SWEFAQ)/guides.jsonl --queries $(SWEFAQ)/queries.jsonl --engine both
