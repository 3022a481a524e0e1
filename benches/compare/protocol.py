"""The evaluation protocol of `crates/vagvisare/src/eval/mod.rs`, ported to Python.

The comparison itself feeds every engine the query variants written by the Rust binary
`eval-inputs` (so all engines get byte-identical inputs); this port exists so that the figures
are computed exactly as the Rust evaluation computes them (recall@k, reciprocal rank), and so that
`tests/test_protocol.py` can check, query by query, that the Rust variants are what the
documented protocol says (typed prefix, seeded typos, diacritics stripped).
"""

from __future__ import annotations

import json
import math
import os
import unicodedata
from typing import Iterable, Iterator, Sequence

MASK64 = (1 << 64) - 1
# The per-query typo seed is `seed ^ i * TYPO_STRIDE` (wrapping), as in `evaluate_with`.
TYPO_STRIDE = 0x51_7CC1_B727_220A


def recall_at(ranked: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """|relevant ∩ top k| / min(|relevant|, k)."""
    found = sum(1 for doc in ranked[:k] if doc in relevant)
    return found / max(min(len(relevant), k), 1)


def reciprocal_rank(ranked: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """1 / rank of the first relevant id within the top k, 0 when none."""
    for position, doc in enumerate(ranked[:k]):
        if doc in relevant:
            return 1.0 / (position + 1)
    return 0.0


def _round_half_away(x: float) -> int:
    """Rust's `f64::round` for x >= 0 (Python's `round` rounds half to even)."""
    floor = math.floor(x)
    return floor + 1 if x - floor >= 0.5 else floor


def typed_prefix(text: str, share: float) -> str:
    """The first `share` of the text's characters (at least one), cut mid-word."""
    n = len(text)
    k = min(max(_round_half_away(n * share), 1), max(n, 1))
    return text[:k]


def _is_mark(c: str) -> bool:
    return unicodedata.category(c).startswith("M")


def strip_diacritics(text: str) -> str:
    """å/ä/ö → a/a/o and every other diacritic removed, case kept (NFD, marks dropped, NFC)."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not _is_mark(c))
    kept = kept.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "a", "Æ": "A"}))
    return unicodedata.normalize("NFC", kept)


class SplitMix:
    """SplitMix64, the seeded generator of the Rust evaluation."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK64

    def next(self) -> int:
        self.state = (self.state + 0x9E37_79B9_7F4A_7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n


def _is_alphabetic(c: str) -> bool:
    # Rust's `char::is_alphabetic` is the Unicode Alphabetic property: letters (what
    # `str.isalpha` tests) plus letter numbers (Nl) and a few marks (Other_Alphabetic, not
    # found in Swedish text).
    return c.isalpha() or unicodedata.category(c) == "Nl"


def add_typos(text: str, seed: int) -> str:
    """One typo in every word of five or more letters: an adjacent swap or a dropped letter,
    never the first letter."""
    rng = SplitMix(seed)
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        if not _is_alphabetic(text[i]):
            out.append(text[i])
            i += 1
            continue
        start = i
        while i < n and _is_alphabetic(text[i]):
            i += 1
        word = list(text[start:i])
        if len(word) >= 5:
            if rng.below(2) == 0:
                at = 1 + rng.below(len(word) - 2)
                word[at], word[at + 1] = word[at + 1], word[at]
            else:
                del word[1 + rng.below(len(word) - 1)]
        out.extend(word)
    return "".join(out)


def typo_seed(seed: int, index: int) -> int:
    """The typo seed of the query at `index`."""
    return (seed ^ ((index * TYPO_STRIDE) & MASK64)) & MASK64


def variants(query: str, index: int, seed: int = 42) -> dict[str, str]:
    """The protocol's variants of one query, as `eval-inputs` writes them."""
    return {
        "typed_25": typed_prefix(query, 0.25),
        "typed_50": typed_prefix(query, 0.5),
        "typed_75": typed_prefix(query, 0.75),
        "typos": add_typos(query, typo_seed(seed, index)),
        "no_diacritics": strip_diacritics(query),
    }


def keystrokes(queries: Iterable[str]) -> list[str]:
    """Every prefix of every query, in typing order (as `vagvisare_benches::keystrokes`)."""
    return [q[:k] for q in queries for k in range(1, len(q) + 1)]


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (as the Rust `scale` bench computes it)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = math.ceil(p / 100.0 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def read_jsonl(path: str) -> Iterator[dict]:
    """Every object of a JSON Lines file, or of every `*.jsonl` file of a folder in name order
    (the order `read_jsonl_path` reads them in)."""
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, name) for name in os.listdir(path) if name.endswith(".jsonl")
        )
    else:
        files = [path]
    for file in files:
        with open(file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{file}:{number}: not JSON: {e}") from e


def quality(search, inputs: Sequence[dict]) -> dict[str, float]:
    """The quality columns of the comparison for one engine: `search(text, k)` returns ids.

    Exactly the corresponding figures of `evaluate_with`: full query asked for 10, typed prefix
    for 5, typos and no-diacritics for 10."""
    columns: dict[str, list[float]] = {
        "recall_at_5": [],
        "mrr_at_10": [],
        "recall_at_5_typed_50": [],
        "recall_at_5_typos": [],
        "recall_at_5_no_diacritics": [],
    }
    for item in inputs:
        relevant = item["relevant"]
        ranked = search(item["query"], 10)
        columns["recall_at_5"].append(recall_at(ranked, relevant, 5))
        columns["mrr_at_10"].append(reciprocal_rank(ranked, relevant, 10))
        columns["recall_at_5_typed_50"].append(
            recall_at(search(item["typed_50"], 5), relevant, 5)
        )
        columns["recall_at_5_typos"].append(recall_at(search(item["typos"], 10), relevant, 5))
        columns["recall_at_5_no_diacritics"].append(
            recall_at(search(item["no_diacritics"], 10), relevant, 5)
        )
    return {name: sum(values) / len(values) if values else 0.0 for name, values in columns.items()}
