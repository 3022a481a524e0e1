"""What Python adds to a suggestion: `GuideIndex.suggest` against the same call in Rust.

Same corpus (the bundled guides), same queries (every prefix of the bundled labelled queries, in
typing order, as `cargo bench --bench keystroke` replays them), same index object, same process:

- Rust: `vagvisare._vagvisare._time_suggest_in_rust` runs the core's `GuideIndex::suggest` for
  each text with `Instant` around the call (GIL released), exactly the call `suggest` makes.
- Python: `time.perf_counter_ns()` around `index.suggest(text, limit=5)`; and around
  `[s.to_dict() for s in index.suggest(text, limit=5)]`, what a JSON view does with the result.

One warm-up pass fills the index's caches for both sides; then rounds alternate Rust and Python
so that drift on a shared machine hits both. Reported: median per keystroke of each, the ratio
of medians and of means (Python / Rust), and the absolute overhead; then a paired pass (each
keystroke through Rust and at once through Python) whose per-pair ratio and difference are the
steadiest figures when other work shares the machine.

    python bindings/python/bench_overhead.py [--rounds 5] [--every 1] [--limit 5]

The Rust timer exists only in a build with the cargo feature `bench` (it is not part of the
published module); build and install that, in release (a debug build measures the wrong thing):

    MATURIN_PEP517_ARGS="--features bench" pip install --force-reinstall ./bindings/python
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import vagvisare
try:
    from vagvisare._vagvisare import _time_suggest_in_rust
except ImportError:
    sys.exit(
        "bench_overhead.py needs the module built with the cargo feature `bench`:\n"
        '    MATURIN_PEP517_ARGS="--features bench" pip install --force-reinstall ./bindings/python'
    )

ROOT = Path(__file__).resolve().parents[2]


def keystrokes(every: int) -> list[str]:
    """Every prefix of every bundled labelled query (every `every`-th query), in typing order."""
    texts: list[str] = []
    files = sorted((ROOT / "data" / "eval").glob("*.jsonl"))
    queries = [
        json.loads(line)["query"]
        for f in files
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for query in queries[::every]:
        texts.extend(query[:n] for n in range(1, len(query) + 1))
    return texts


def python_pass(index: vagvisare.GuideIndex, texts: list[str], limit: int) -> list[int]:
    out = []
    clock = time.perf_counter_ns
    for text in texts:
        started = clock()
        index.suggest(text, limit=limit)
        out.append(clock() - started)
    return out


def python_dict_pass(index: vagvisare.GuideIndex, texts: list[str], limit: int) -> list[int]:
    out = []
    clock = time.perf_counter_ns
    for text in texts:
        started = clock()
        [s.to_dict() for s in index.suggest(text, limit=limit)]
        out.append(clock() - started)
    return out


def paired_pass(
    index: vagvisare.GuideIndex, texts: list[str], limit: int
) -> tuple[list[int], list[int]]:
    """Each text through Rust and at once through Python (alternating which first): load on a shared machine hits both
    halves of a pair alike, so per-pair differences and ratios are steadier than pass medians."""
    rust, py = [], []
    clock = time.perf_counter_ns
    for i, text in enumerate(texts):
        # The second call of a pair finds the CPU caches warm: alternate which side goes first.
        if i % 2:
            rust.append(_time_suggest_in_rust(index, [text], limit)[0])
        started = clock()
        index.suggest(text, limit=limit)
        py.append(clock() - started)
        if not i % 2:
            rust.append(_time_suggest_in_rust(index, [text], limit)[0])
    return rust, py


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--every", type=int, default=1, help="use every n-th query")
    parser.add_argument("--limit", type=int, default=5)
    args = parser.parse_args()

    index = vagvisare.GuideIndex.bundled()
    texts = keystrokes(args.every)
    print(f"{len(index)} guides, {len(texts)} keystrokes, limit {args.limit}, {args.rounds} rounds")
    _time_suggest_in_rust(index, texts, args.limit)  # warm-up: caches filled for both sides

    rust: list[int] = []
    py: list[int] = []
    py_dict: list[int] = []
    per_round = []
    for r in range(args.rounds):
        passes = [
            ("rust", lambda: _time_suggest_in_rust(index, texts, args.limit)),
            ("python", lambda: python_pass(index, texts, args.limit)),
            ("python+to_dict", lambda: python_dict_pass(index, texts, args.limit)),
        ]
        if r % 2:
            passes.reverse()
        got = {name: run() for name, run in passes}
        rust += got["rust"]
        py += got["python"]
        py_dict += got["python+to_dict"]
        per_round.append(
            statistics.median(got["python"]) / statistics.median(got["rust"])
        )

    def us(ns: float) -> str:
        return f"{ns / 1000:.1f} µs"

    m_rust, m_py, m_dict = (statistics.median(x) for x in (rust, py, py_dict))
    a_rust, a_py, a_dict = (statistics.fmean(x) for x in (rust, py, py_dict))
    print(f"{'per keystroke':<36}{'median':>12}{'mean':>12}{'ratio (median)':>16}{'ratio (mean)':>14}")
    print(f"{'Rust GuideIndex::suggest':<36}{us(m_rust):>12}{us(a_rust):>12}{1:>16.2f}{1:>14.2f}")
    print(f"{'Python index.suggest':<36}{us(m_py):>12}{us(a_py):>12}{m_py / m_rust:>16.3f}{a_py / a_rust:>14.3f}")
    print(
        f"{'Python suggest + to_dict()':<36}{us(m_dict):>12}{us(a_dict):>12}"
        f"{m_dict / m_rust:>16.3f}{a_dict / a_rust:>14.3f}"
    )
    print(f"Python overhead of suggest: {us(m_py - m_rust)} per call (median); with to_dict: {us(m_dict - m_rust)}")
    print("ratio of medians per round: " + ", ".join(f"{x:.3f}" for x in per_round))

    pr, pp = paired_pass(index, texts, args.limit)
    ratios = [p / r for p, r in zip(pp, pr)]
    diffs = [p - r for p, r in zip(pp, pr)]
    print(
        f"paired (same keystroke through both, order alternating, {len(texts)} pairs): median ratio "
        f"{statistics.median(ratios):.3f}, median overhead {us(statistics.median(diffs))}, "
        f"Rust median {us(statistics.median(pr))}, Python median {us(statistics.median(pp))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
