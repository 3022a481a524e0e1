#!/usr/bin/env python3
"""Issue 8's bar, measured in one run: the feedback-split protocol on Vägvisare (learned texts,
through `vagvisare eval --feedback-split`) and on SQLite FTS5 and bm25s with document expansion
(the feedback half of each guide's queries appended to the guide's text), on the same split and
the same query variants.

    pip install bm25s PyStemmer
    cargo build --release -p vagvisare-cli
    python3 benches/compare/feedback_peers.py [--split-seed 7] [--holdout 0.3] [--kind paraphrase] [--json OUT]

The split is a port of crates/vagvisare/src/eval/feedback_split.rs (SplitMix64, a seeded
Fisher–Yates per guide, held-out guides from a second stream); the run stops if its counts differ
from the ones the Rust protocol reports. The query variants (50 % typed, typos, no å/ä/ö) and the
figures are those of protocol.py, checked against the Rust evaluation by tests/test_protocol.py.
"""

import argparse
import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from protocol import (  # noqa: E402
    SplitMix,
    add_typos,
    recall_at,
    reciprocal_rank,
    strip_diacritics,
    typed_prefix,
    typo_seed,
)

REPO = Path(__file__).resolve().parent.parent.parent


def read_jsonl(path):
    files = sorted(Path(path).glob("*.jsonl")) if os.path.isdir(path) else [Path(path)]
    out = []
    for f in files:
        for line in open(f, encoding="utf-8"):
            if line.strip():
                out.append(json.loads(line))
    return out


def split(queries, seed, holdout=0.0):
    by_guide = collections.OrderedDict()
    for q in queries:
        by_guide.setdefault(q["relevant"][0], []).append(q)
    rng = SplitMix(seed)
    holdout_rng = SplitMix(seed ^ 0x484F4C444F555421)
    holdout = min(max(holdout, 0.0), 1.0)
    feedback, asked, untouched = [], [], []
    for gid in sorted(by_guide, key=lambda s: s.encode()):
        lst = list(by_guide[gid])
        held_out = holdout > 0.0 and (holdout_rng.next() >> 11) / float(1 << 53) <= holdout
        if len(lst) < 2 or held_out:
            untouched += lst
            continue
        for i in range(len(lst) - 1, 0, -1):
            j = rng.next() % (i + 1)
            lst[i], lst[j] = lst[j], lst[i]
        half = len(lst) // 2
        feedback += lst[:half]
        asked += lst[half:]
    return feedback, asked, untouched


def evaluate(search, queries, seed):
    figs = collections.defaultdict(list)
    for i, q in enumerate(queries):
        rel = q["relevant"]
        ranked = search(q["query"], 10)
        figs["recall_at_5"].append(recall_at(ranked, rel, 5))
        figs["mrr_at_10"].append(reciprocal_rank(ranked, rel, 10))
        figs["recall_at_5_typed_50"].append(
            recall_at(search(typed_prefix(q["query"], 0.5), 5), rel, 5)
        )
        typo = search(add_typos(q["query"], typo_seed(seed, i)), 10)
        figs["recall_at_5_typos"].append(recall_at(typo, rel, 5))
        nodia = search(strip_diacritics(q["query"]), 10)
        figs["recall_at_5_no_diacritics"].append(recall_at(nodia, rel, 5))
    return {k: (sum(v) / len(v) if v else 0.0) for k, v in figs.items()} | {
        "queries": len(queries)
    }


WORD = re.compile(r"\w+", re.UNICODE)


class Fts5:
    """SQLite FTS5: unicode61 with diacritics removed, prefix indexes, every query word a prefix
    term, OR-ed, bm25 with the title weighted (the setup of issue 3)."""

    name = "sqlite-fts5"

    def __init__(self, guides, extra, title_weight=5.0):
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE g USING fts5(id UNINDEXED, title, body, "
            "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')"
        )
        for g in guides:
            body = g["body"] + "".join("\n" + t for t in extra.get(g["id"], []))
            self.db.execute("INSERT INTO g VALUES (?, ?, ?)", (g["id"], g["title"], body))
        self.title_weight = title_weight

    def search(self, text, k):
        words = [w.lower() for w in WORD.findall(text)]
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"*' for w in words)
        rows = self.db.execute(
            f"SELECT id FROM g WHERE g MATCH ? ORDER BY bm25(g, 0, {self.title_weight}, 1.0) LIMIT ?",
            (match, k),
        ).fetchall()
        return [r[0] for r in rows]


class Bm25s:
    """bm25s with the Swedish Snowball stemmer (PyStemmer) and its Swedish stop words; title and
    body as one text."""

    name = "bm25s"

    def __init__(self, guides, extra):
        import bm25s
        import Stemmer

        self.bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("swedish")
        self.ids = [g["id"] for g in guides]
        texts = [
            g["title"] + "\n" + g["body"] + "".join("\n" + t for t in extra.get(g["id"], []))
            for g in guides
        ]
        tokens = bm25s.tokenize(texts, stopwords="sv", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def search(self, text, k):
        q = self.bm25s.tokenize(
            [text], stopwords="sv", stemmer=self.stemmer, show_progress=False, return_ids=False
        )[0]
        q = [t for t in q if t in self.retriever.vocab_dict]
        if not q:
            return []
        docs, scores = self.retriever.retrieve(
            [q], k=min(k, len(self.ids)), show_progress=False, n_threads=1
        )
        return [self.ids[d] for d, s in zip(docs[0], scores[0]) if s > 0]


def vagvisare(repo, guides_path, queries_path, split_seed, seed, holdout):
    binary = os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(repo, "target")), "release", "vagvisare"
    )
    out = subprocess.run(
        [binary, "eval", "--guides", guides_path, "--queries", queries_path,
         "--feedback-split", str(split_seed), "--feedback-holdout", str(holdout),
         "--seed", str(seed), "--format", "json"],
        check=True, capture_output=True, text=True,
    )
    sys.stderr.write(out.stderr)
    return json.loads(out.stdout)


FIGS = [
    ("recall@5", "recall_at_5"),
    ("MRR@10", "mrr_at_10"),
    ("recall@5, 50 % typed", "recall_at_5_typed_50"),
    ("recall@5, typos", "recall_at_5_typos"),
    ("recall@5, no å/ä/ö", "recall_at_5_no_diacritics"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=str(REPO))
    ap.add_argument("--guides", default=None)
    ap.add_argument("--queries", default=None)
    ap.add_argument("--split-seed", type=int, default=7)
    ap.add_argument("--seed", type=int, default=42, help="seed of the typo variants")
    ap.add_argument("--kind", default=None, help="only queries of this kind")
    ap.add_argument("--holdout", type=float, default=0.0,
                    help="share of the guides held out from feedback (their queries: 'other')")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    guides_path = args.guides or os.path.join(args.repo, "data/guides")
    queries_path = args.queries or os.path.join(args.repo, "data/eval")
    guides = read_jsonl(guides_path)
    queries = read_jsonl(queries_path)
    if args.kind:
        queries = [q for q in queries if q.get("kind") == args.kind]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q, ensure_ascii=False) + "\n")
        subset = f.name
    feedback, asked, untouched = split(queries, args.split_seed, args.holdout)
    extra = collections.defaultdict(list)
    for q in feedback:
        extra[q["relevant"][0]].append(q["query"])
    print(
        f"{len(guides)} guides, {len(queries)} queries"
        + (f" of kind {args.kind}" if args.kind else "")
        + f"; split seed {args.split_seed}: {len(feedback)} feedback, {len(asked)} asked, "
        f"{len(untouched)} of guides without feedback"
    )
    results = {}
    vv = vagvisare(args.repo, guides_path, subset, args.split_seed, args.seed, args.holdout)
    os.unlink(subset)
    results["vagvisare"] = {
        "before": vv["before"], "after": vv["after"],
        "other before": vv["other before"], "other after": vv["other after"],
    }
    if (vv["before"]["queries"], vv["other before"]["queries"]) != (len(asked), len(untouched)):
        sys.exit(f"split port differs from Rust: {vv['before']['queries']} asked vs {len(asked)}")
    for make in (lambda e: Fts5(guides, e), lambda e: Bm25s(guides, e)):
        before = make({})
        after = make(extra)
        results[before.name] = {
            "before": evaluate(before.search, asked, args.seed),
            "after": evaluate(after.search, asked, args.seed),
            "other before": evaluate(before.search, untouched, args.seed),
            "other after": evaluate(after.search, untouched, args.seed),
        }
    parts = [("asked half of guides with feedback", ("before", "after"))]
    if untouched:
        parts.append(("queries of guides without feedback", ("other before", "other after")))
    for title, whens in parts:
        print(f"\n{title}")
        print(f"{'figure':<24}" + "".join(
            f"{name[:10] + ' ' + when.split()[-1]:>18}" for name in results for when in whens
        ))
        for label, key in FIGS:
            print(f"{label:<24}" + "".join(
                f"{results[name][when][key]:>18.3f}" for name in results for when in whens
            ))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
