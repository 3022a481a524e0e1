# The one command that runs every test: `make test`.
.PHONY: test lint rust-test eval eval-swefaq

SWEFAQ ?= ../shared/data/swefaq/dev

test: lint rust-test

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

rust-test:
	cargo test --workspace

# Suggestion quality on the bundled set and on SweFAQ dev, side by side with plain Tantivy.
eval:
	cargo run --release -q -p vagvisare-cli -- eval --guides data/guides --queries data/eval --engine both

eval-swefaq:
	cargo run --release -q -p vagvisare-cli -- eval --guides $(SWEFAQ)/guides.jsonl --queries $(SWEFAQ)/queries.jsonl --engine both
