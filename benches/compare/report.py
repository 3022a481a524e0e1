"""Tables and the plot of the side-by-side comparison, from `results.json`:

    python3 benches/compare/report.py target/compare/results.json   # rewrite the docs block

`write_docs` replaces only the text between the side-by-side markers of docs/benchmarks.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BEGIN = "<!-- side-by-side:begin (written by benches/compare/side_by_side.py) -->"
END = "<!-- side-by-side:end -->"
FIRST_BEGIN = "<!-- first-keystroke:begin (written by benches/compare/side_by_side.py) -->"
FIRST_END = "<!-- first-keystroke:end -->"

QUALITY = [
    ("recall_at_5", "recall@5"),
    ("mrr_at_10", "MRR@10"),
    ("recall_at_5_typed_50", "recall@5, 50 % typed"),
    ("recall_at_5_typos", "recall@5, typos"),
    ("recall_at_5_no_diacritics", "recall@5, no å/ä/ö"),
]

OURS = ("vagvisare", "vagvisare-cli")
BASELINE = "python-baseline"


def _label(r: dict) -> str:
    return "Vägvisare (CLI stand-in)" if r["engine"] == "vagvisare-cli" else r["engine"]


def _mem(r: dict) -> str:
    text = f"{r['peak_rss_mib']:.0f}"
    if r.get("server_peak_rss_mib") is not None:
        text += f" ({r['client_peak_rss_mib']:.0f} + {r['server_peak_rss_mib']:.0f})"
    return text


def _engines(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["engine"] != BASELINE]


def quality_table(block: dict) -> list[str]:
    rows = _engines(block["engines"])
    best = {key: max(r["quality"][key] for r in rows) for key, _ in QUALITY}
    head = ["engine", *(label for _, label in QUALITY), "p50 ms", "p99 ms", "build s",
            "peak MiB"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for r in rows:
        cells = [_label(r)]
        for key, _ in QUALITY:
            value = f"{r['quality'][key]:.3f}"
            cells.append(f"**{value}**" if r["quality"][key] == best[key] else value)
        lat = r["latency"]
        cells += [f"{lat['p50_ms']:.3f}", f"{lat['p99_ms']:.3f}", f"{r['build_seconds']:.2f}",
                  _mem(r)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def latency_table(latency: dict) -> list[str]:
    sizes = sorted(latency, key=int)
    head = ["engine"] + [f"{int(n):,} p50 / p99 ms".replace(",", " ") for n in sizes]
    head += [f"build s ({int(sizes[-1]):,})".replace(",", " "), "guides/s", "peak MiB"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    names = list(dict.fromkeys(r["engine"] for n in sizes for r in latency[n]))
    for name in names:
        cells = [name if name != "vagvisare-cli" else "Vägvisare (CLI stand-in)"]
        for n in sizes:
            r = next((r for r in latency[n] if r["engine"] == name), None)
            cells.append("–" if r is None or name == BASELINE else
                         f"{r['latency']['p50_ms']:.3f} / {r['latency']['p99_ms']:.3f}")
        last = next((r for r in latency[sizes[-1]] if r["engine"] == name), None)
        if last is None:
            cells += ["–", "–", "–"]
        elif name == BASELINE:
            cells += ["–", "–", _mem(last)]
        else:
            cells += [f"{last['build_seconds']:.2f}", f"{last['guides_per_second']:,.0f}"
                      .replace(",", " "), _mem(last)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def targets(results: dict) -> list[str]:
    out = []
    for name, block in results["quality"].items():
        rows = _engines(block["engines"])
        ours = next((r for r in rows if r["engine"] in OURS), None)
        if not ours:
            continue
        behind = []
        for key, label in QUALITY:
            best_peer = max((r for r in rows if r is not ours), key=lambda r: r["quality"][key])
            if ours["quality"][key] <= best_peer["quality"][key]:
                behind.append(f"{label}: {ours['quality'][key]:.3f} against "
                              f"{best_peer['engine']} {best_peer['quality'][key]:.3f}")
        out.append(f"- Quality, {block['title']}: " + (
            "ahead of every peer on every column." if not behind else
            "not ahead on " + "; ".join(behind) + "."))
    sizes = sorted(results["latency"], key=int)
    for n in sizes:
        rows = _engines(results["latency"][n])
        ours = next((r for r in rows if r["engine"] in OURS), None)
        peers = [r for r in rows if r is not ours]
        if not ours or not peers:
            continue
        fastest = min(peers, key=lambda r: r["latency"]["p99_ms"])
        ratio = ours["latency"]["p99_ms"] / fastest["latency"]["p99_ms"]
        size = f"{int(n):,}".replace(",", " ")
        out.append(
            f"- p99 per keystroke at {size} guides: Vägvisare {ours['latency']['p99_ms']:.3f} ms, "
            f"fastest peer {fastest['engine']} {fastest['latency']['p99_ms']:.3f} ms: ratio "
            f"{ratio:.2f} (target at 100 000: at most 0.5)")
    return out


def reference_check(results: dict) -> list[str]:
    """The Python run of Vägvisare against the Rust evaluation: `GuideIndex.evaluate` (the code
    of `vagvisare eval`) on the very index the worker built, which must agree exactly, and
    `vagvisare eval` itself, which builds its own index of the same guides."""
    out = []
    for name, block in results["quality"].items():
        ours = next((r for r in block["engines"] if r["engine"] in OURS), None)
        if not ours:
            continue
        queries = ours["queries"]

        def diffs(ref: dict) -> list[str]:
            return [f"{label}: here {ours['quality'][key]:.4f}, Rust {ref[key]:.4f} "
                    f"({abs(ours['quality'][key] - ref[key]) * queries:.1f} queries' worth)"
                    for key, label in QUALITY if abs(ours["quality"][key] - ref[key]) > 1e-9]

        own = ours.get("own_evaluation")
        if own:
            d = diffs(own)
            out.append(f"- {block['title']}, same index: " + (
                "the Python protocol gives exactly the figures of the Rust evaluation "
                "(`GuideIndex.evaluate`) on every quality column." if not d else
                "the Python protocol DIFFERS from the Rust evaluation on the same index: "
                + "; ".join(d) + "."))
        ref = results.get("reference", {}).get(name)
        if ref:
            d = diffs(ref)
            out.append(f"- {block['title']}, `vagvisare eval` (its own build of the same "
                       "guides): " + (
                           "identical on every quality column." if not d else
                           "differs on " + "; ".join(d) + ". Guides of equal score are "
                           "ranked in index order, which the multi-threaded index writer does "
                           "not fix from one build to the next, so two builds of the same "
                           "guides can differ by a query or so."))
    return out


def versions(results: dict) -> list[str]:
    seen = {}
    for block in results["quality"].values():
        for r in block["engines"]:
            seen.setdefault(r["engine"], (r["version"], r["setup"]))
    return [f"- **{name}**: {v}; {setup}" for name, (v, setup) in seen.items()]


def load_note(run: dict) -> str:
    load = run.get("load_average")
    if not load:
        return ""
    return (f" Load average (1 min) {load['start'][0]:.1f} at the start and {load['end'][0]:.1f}"
            " at the end: other work shared the machine, which widens p99 for every engine.")


def markdown(results: dict) -> str:
    run = results["run"]
    m = run["machine"]
    lines = [
        BEGIN,
        "",
        f"Measured {run['date']} with `{run['command']}` on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_mib'] / 1024:.0f} GiB, {m['system']}; Python {m['python']}, {m['rustc']}."
        + load_note(run),
        "",
    ]
    for block in results["quality"].values():
        n_guides = block["engines"][0]["guides"]
        n_queries = block["engines"][0]["queries"]
        lines += [f"**{block['title']}** ({n_guides} guides, {n_queries} queries; latency over "
                  f"every keystroke of {run.get('set_latency_queries', 'all')} sampled queries; "
                  "best of each quality column in bold):", ""]
        lines += quality_table(block) + [""]
    lines += [
        f"**Latency on generated corpora** (every keystroke of {run['latency_queries']} sampled "
        "bundled queries, top 5, after 200 warm-up keystrokes; build = from guides in memory to "
        "searchable):",
        "",
    ]
    lines += latency_table(results["latency"]) + [""]
    lines += ["![p50 and p99 latency per keystroke against corpus size](latency-vs-size.png)", ""]
    lines += ["Against the targets (computed from the figures above):", ""] + targets(results)
    if results.get("failed"):
        lines += ["", "Runs that failed or ran out of time (left out above):", ""]
        lines += [f"- {f['engine']}, {f['task']} on {f['where']}: {f['error']}"
                  for f in results["failed"]]
    lines += ["", "Protocol check:", ""] + reference_check(results)
    lines += ["", "Versions and setups:", ""] + versions(results) + ["", END]
    return "\n".join(lines)


def _median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def first_rows(rows: list[dict]) -> list[dict]:
    """One row per engine label (in the order they ran): each figure the median of its rounds."""
    out = []
    for label in dict.fromkeys(r["label"] for r in rows):
        mine = [r for r in rows if r["label"] == label]
        row = {**mine[0], "rounds": len(mine)}
        row["latency"] = {key: _median([r["latency"][key] for r in mine])
                          for key in ("p50_ms", "p99_ms", "max_ms", "mean_ms", "cpu_p50_ms",
                                      "cpu_p99_ms", "cpu_max_ms")
                          if all(key in r["latency"] for r in mine)}
        row["latency"]["keystrokes"] = mine[0]["latency"]["keystrokes"]
        for key in ("build_seconds", "guides_per_second", "peak_rss_mib", "client_peak_rss_mib",
                    "open_seconds"):
            if all(r.get(key) is not None for r in mine):
                row[key] = _median([r[key] for r in mine])
        if all(r.get("server_peak_rss_mib") is not None for r in mine):
            row["server_peak_rss_mib"] = _median([r["server_peak_rss_mib"] for r in mine])
        out.append(row)
    return out


def _first_label(r: dict) -> str:
    names = {"vagvisare": "Vägvisare, Python", "vagvisare-cli": "Vägvisare, CLI `suggest --index`",
             "tantivy-py-swedish": "tantivy-py, Swedish stemmer", "bm25s": "bm25s"}
    label = r["label"].split(":")[0]
    text = names.get(r["engine"], r["engine"])
    if "@" in label:
        text += f" ({label.split('@', 1)[1]})"
    return text + (", opened from disk" if r["where"] == "disk" else ", in memory")


def first_table(rows: list[dict]) -> list[str]:
    head = ["engine", "p50 µs", "p99 µs", "max µs", "max / p99", "CPU p50 / p99 / max µs",
            "open s", "build s", "guides/s", "peak MiB"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for r in first_rows(rows):
        lat = r["latency"]
        us = lambda ms: f"{ms * 1000:,.0f}".replace(",", " ")  # noqa: E731
        cells = [_first_label(r), us(lat["p50_ms"]), us(lat["p99_ms"]), us(lat["max_ms"]),
                 f"{lat['max_ms'] / lat['p99_ms']:.1f}",
                 " / ".join(us(lat[k]) for k in ("cpu_p50_ms", "cpu_p99_ms", "cpu_max_ms"))
                 if r["engine"] != "vagvisare-cli" and "cpu_p99_ms" in lat else "–",
                 f"{r['open_seconds']:.2f}" if r.get("open_seconds") is not None else "–",
                 f"{r['build_seconds']:.2f}", f"{r['guides_per_second']:,.0f}".replace(",", " "),
                 _mem(r)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def first_targets(first: dict) -> list[str]:
    """The issue's targets, computed from the first-pass rows of one run."""
    out = []
    sizes = sorted(first, key=int)
    for n in sizes:
        rows = {r["label"]: r for r in first_rows(first[n])}
        size = f"{int(n):,}".replace(",", " ")
        ours, peer = rows.get("vagvisare"), rows.get("tantivy-py-swedish")
        if ours and peer:
            ratio = ours["latency"]["p99_ms"] / peer["latency"]["p99_ms"]
            goal = 0.5 if int(n) >= 100_000 else 1.0
            cpu = ""
            if "cpu_p99_ms" in ours["latency"] and "cpu_p99_ms" in peer["latency"]:
                cpu = (f"; CPU time "
                       f"{ours['latency']['cpu_p99_ms'] / peer['latency']['cpu_p99_ms']:.2f}")
            out.append(f"- {size} guides, first-pass p99 against tantivy-py (Swedish), both in "
                       f"memory: wall time {ratio:.2f}{cpu} (target at most {goal:g}).")
            memory = ours["peak_rss_mib"] / peer["peak_rss_mib"]
            out.append(f"- {size} guides, peak memory against tantivy-py (Swedish): "
                       f"{memory:.2f} (target at 100 000 at most 2).")
            speed = f"{ours['guides_per_second']:,.0f}".replace(",", " ")
            out.append(f"- {size} guides, loading from Python (upsert, commit, optimize): "
                       f"{speed} guides/s (target at 100 000 at least 20 000).")
        for label, r in rows.items():
            if label.split("@")[0].split(":")[0] != "vagvisare":
                continue
            lat = r["latency"]
            cpu = (f", in CPU time {lat['cpu_max_ms'] / lat['cpu_p99_ms']:.1f} × p99"
                   if "cpu_max_ms" in lat else "")
            out.append(f"- {size} guides, {_first_label(r)}: slowest keystroke "
                       f"{lat['max_ms'] / lat['p99_ms']:.1f} × p99{cpu} (target at most 3).")
        disk = rows.get("vagvisare:disk")
        if ours and disk:
            d, m = disk["latency"], ours["latency"]
            cpu = (f"; CPU time p99 {d['cpu_p99_ms'] / m['cpu_p99_ms']:.2f}, p50 "
                   f"{d['cpu_p50_ms'] / m['cpu_p50_ms']:.2f}" if "cpu_p99_ms" in d else "")
            out.append(f"- {size} guides, opened from disk against in memory (Python), p99: "
                       f"{d['p99_ms'] / m['p99_ms']:.2f}, p50: {d['p50_ms'] / m['p50_ms']:.2f}"
                       f"{cpu} (target at most 1.2).")
    return out


def first_slowest(first: dict, count: int = 3) -> list[str]:
    """The slowest keystrokes of each Vägvisare row and round (what a max / p99 above is made
    of), when the worker named them."""
    out = []
    for n in sorted(first, key=int):
        size = f"{int(n):,}".replace(",", " ")
        for r in first[n]:
            named = r["latency"].get("slowest")
            if r["label"].split("@")[0].split(":")[0] != "vagvisare" or not named:
                continue
            cells = ", ".join(f"{s['wall_ms'] * 1000:,.0f}".replace(",", " ")
                              + f" {_short(s['text'])!r}" for s in named[:count])
            out.append(f"- {size} guides, {_first_label(r)}, round {r.get('round', 0) + 1}: "
                       f"{cells}")
    return out


def _short(text: str, keep: int = 40) -> str:
    return text if len(text) <= keep else text[: keep - 1] + "…"


def first_markdown(results: dict) -> str:
    run = results["run"]
    m = run["machine"]
    rounds = run.get("rounds", 1)
    lines = [
        FIRST_BEGIN,
        "",
        f"Measured {run['date']} with `{run['command']}` on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_mib'] / 1024:.0f} GiB; Python {m['python']}, {m['rustc']}." + load_note(run)
        + (f" {rounds} rounds, the engines taking turns; each figure is the median of its rounds."
           if rounds > 1 else ""),
        "",
    ]
    for n in sorted(results["first_pass"], key=int):
        rows = results["first_pass"][n]
        if not rows:
            continue
        size = f"{int(n):,}".replace(",", " ")
        keystrokes = rows[0]["latency"]["keystrokes"]
        lines += [f"**{size} guides** (every keystroke of {run.get('first_queries', 100)} sampled "
                  f"bundled queries once, {keystrokes} keystrokes, top 5):", ""]
        lines += first_table(rows) + [""]
    lines += ["Against the targets (computed from the figures above):", ""]
    lines += first_targets(results["first_pass"])
    slow = first_slowest(results["first_pass"])
    if slow:
        lines += ["", "Vägvisare's slowest keystrokes, each round (wall µs, the text as typed):", ""]
        lines += slow
    failed = [f for f in results.get("failed", []) if "first pass" in f.get("where", "")]
    if failed:
        lines += ["", "Runs that failed or ran out of time (left out above):", ""]
        lines += [f"- {f['engine']} on {f['where']}: {f['error']}" for f in failed]
    versions_seen = {}
    for rows in results["first_pass"].values():
        for r in rows:
            versions_seen.setdefault(r["engine"], (r["version"], r["setup"]))
    lines += ["", "Versions and setups:", ""]
    lines += [f"- **{name}**: {v}; {setup}" for name, (v, setup) in versions_seen.items()]
    lines += ["", FIRST_END]
    return "\n".join(lines)


def summary(results: dict) -> str:
    text = markdown(results) if results.get("quality") or results.get("latency") else ""
    if results.get("first_pass"):
        text += "\n" + first_markdown(results)
    return "\n".join(line for line in text.splitlines() if not line.startswith("<!--"))


def plot(results: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results["latency"], key=int)
    names = [name for name in dict.fromkeys(r["engine"] for n in sizes for r in results["latency"][n])
             if name != BASELINE]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for i, name in enumerate(names):
        points = [(int(n), r["latency"]) for n in sizes for r in results["latency"][n]
                  if r["engine"] == name]
        xs = [p[0] for p in points]
        color = f"C{i}"
        label = "Vägvisare" if name in OURS else name
        ax.plot(xs, [p[1]["p99_ms"] for p in points], "o-", color=color, label=f"{label} p99")
        ax.plot(xs, [p[1]["p50_ms"] for p in points], "s--", color=color, alpha=0.6,
                label=f"{label} p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("guides in the index")
    ax.set_ylabel("latency per keystroke (ms, from Python)")
    ax.set_title(f"Per-keystroke latency, {results['run']['date']}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _replace(text: str, begin: str, end: str, block: str) -> str:
    if begin in text and end in text:
        return text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    return text + ("\n" if text else "") + block + "\n"


def write_docs(results: dict, doc: Path, image: Path) -> None:
    """Rewrites the blocks of the parts that ran (a run of the first-keystroke part alone
    leaves the side-by-side block and the plot as they are)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if results.get("quality") and results.get("latency"):
        text = _replace(text, BEGIN, END, markdown(results))
        plot(results, image)
    if results.get("first_pass"):
        text = _replace(text, FIRST_BEGIN, FIRST_END, first_markdown(results))
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: report.py RESULTS.json")
    repo = Path(__file__).resolve().parent.parent.parent
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    write_docs(data, repo / "docs" / "benchmarks.md", repo / "docs" / "latency-vs-size.png")
