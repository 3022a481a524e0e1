# The one command that runs every test: `make test`. Its first step checks for (and, as root on
# Debian, installs) the packages the tests need; see scripts/ensure-deps.sh.
.PHONY: test deps repo-check lint rust-test python-test server-test compare-test eval eval-swefaq eval-learning bench compare compare-first

# SweFAQ v2.0's dev split (Språkbanken Text, CC BY 4.0), shipped in data/swefaq.
SWEFAQ ?= data/swefaq/dev
SHELL := /bin/bash

test: deps repo-check lint rust-test python-test server-test compare-test

deps:
	bash scripts/ensure-deps.sh

# What a fresh clone needs to hold (licences, the SweFAQ split, CI running only `make test`, ...).
repo-check:
	bash scripts/repo-check.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

# Runs every Rust test, then closes with one line of totals over all test binaries.
rust-test:
	mkdir -p target
	set -o pipefail; cargo test --workspace 2>&1 | tee target/test.log
	@awk '/^test result:/ {p += $$4; f += $$6} END {printf "%d passed, %d failed\n", p, f}' target/test.log

# The Python package: pip-installs ./bindings/python into a venv, then pytest and mypy.stubtest.
# A dev build: it reuses what rust-test compiled (a release build is `bash bindings/python/run-tests.sh`).
python-test: deps
	VAGVISARE_PY_PROFILE=dev bash bindings/python/run-tests.sh

# The comparison's groundwork: its Python port of the evaluation protocol against the Rust one,
# the corpus generator, the FTS5 adapter, the replay's slowest keystrokes (benches/compare/tests).
compare-test:
	python3 -m unittest discover -s benches/compare/tests

# The service against a throwaway PostgreSQL, SIGKILL durability, the demo page in Chromium.
server-test: deps
	bash scripts/server-tests.sh

# Suggestion quality on the bundled set and on SweFAQ dev, side by side with plain Tantivy.
eval:
	cargo run --release -q -p vagvisare-cli -- eval --guides data/guides --queries data/eval --engine both

eval-swefaq:
	cargo run --release -q -p vagvisare-cli -- eval --guides $(SWEFAQ)/guides.jsonl --queries $(SWEFAQ)/queries.jsonl --engine both

# Learning from use on real people's paraphrases: corona-dev's asked half before and after its
# feedback file. The set has no licence, so it is never in the repository: measured when
# ../shared is beside the checkout.
CORONA ?= ../shared/data/corona-dev
eval-learning:
	@if [ -f $(CORONA)/feedback-split/feedback.jsonl ]; then \
	  cargo run --release -q -p vagvisare-cli -- eval --guides $(CORONA)/guides.jsonl \
	    --queries $(CORONA)/feedback-split/asked.jsonl --feedback $(CORONA)/feedback-split/feedback.jsonl; \
	else \
	  echo "eval-learning: $(CORONA) is not here (it is not shipped: it has no licence); set CORONA=DIR to measure it"; \
	fi
	cargo run --release -q -p vagvisare-cli -- eval --guides data/guides --queries data/eval --feedback-split 7 --feedback-holdout 0.3

# Criterion benchmarks (scale, keystroke, analyzer, cases), then their tables in docs/benchmarks.md.
bench:
	cargo bench -p vagvisare-benches
	python3 benches/compare/bench_report.py --command "make bench"

# The same guides and queries through Vägvisare, SQLite FTS5, tantivy-py and PostgreSQL
# (docs/benchmarks.md, "Side by side").
compare:
	python3 -m pip install -q -r benches/compare/requirements.txt ./bindings/python
	python3 benches/compare/side_by_side.py

# Only its first-keystroke part (docs/benchmarks.md, "First keystroke"): the first pass over the
# keystrokes at 10 000 and 100 000 guides, in memory and opened from disk, peak memory and load
# speed, against tantivy-py and bm25s, the engines taking turns for three rounds (the median of
# three is not set by one round's single slow keystroke).
compare-first:
	python3 -m pip install -q -r benches/compare/requirements.txt ./bindings/python
	python3 benches/compare/side_by_side.py --parts first-pass --rounds 3
