#!/usr/bin/env python3
"""Collects the Rust benchmark figures into docs/benchmarks.md (the block between the criterion
markers), after `cargo bench -p vagvisare-benches`:

    python3 benches/compare/bench_report.py [--command "the command that ran the benches"]

Reads Criterion's estimates (`<target>/criterion/<group>/<bench>[/<size>]/new/estimates.json`,
medians) and the figures the `scale` bench writes (`<target>/bench-figures/scale-N.json`);
`<target>` is `$CARGO_TARGET_DIR` or `target/`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent.parent
BEGIN = "<!-- criterion:begin (written by benches/compare/bench_report.py) -->"
END = "<!-- criterion:end -->"


def target() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))


def estimate(*parts: str) -> Optional[dict]:
    """Median (ns) and throughput of one Criterion benchmark, if it was run."""
    base = target().joinpath("criterion", *parts)
    est = base / "new" / "estimates.json"
    if not est.exists():
        return None
    median = json.loads(est.read_text())["median"]["point_estimate"]
    out = {"median_ns": median}
    bench = base / "new" / "benchmark.json"
    if bench.exists():
        throughput = json.loads(bench.read_text()).get("throughput") or {}
        if "Elements" in throughput:
            out["per_second"] = throughput["Elements"] / (median / 1e9)
    return out


def fmt_time(ns: Optional[float]) -> str:
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.0f} µs"


def fmt_count(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def scale_rows() -> list[str]:
    figures = sorted(
        (json.loads(p.read_text()) for p in (target() / "bench-figures").glob("scale-*.json")),
        key=lambda f: f["guides"],
    )
    if not figures:
        return ["(the scale bench has not been run)"]
    lines = [
        "| guides | build: guides/s (s) | optimize s | RSS growth MiB | on disk MiB | "
        "keystroke p50 / p99 / max (one by one) | keystrokes timed | "
        "Criterion median: ids / full | commit-to-visible |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        n = str(f["guides"])
        ids = estimate("scale", "keystroke_ids", n)
        full = estimate("scale", "keystroke_full", n)
        commit = estimate("scale", "commit_to_visible", n)
        k = f["keystroke_us"]
        lines.append(
            f"| {fmt_count(f['guides'])} | {fmt_count(f['guides_per_second'])} "
            f"({f['build_seconds']:.2f}) | {f['optimize_seconds']:.2f} | "
            f"{f['rss_growth_bytes'] / 2**20:.0f} | "
            f"{'–' if f.get('disk_bytes') is None else format(f['disk_bytes'] / 2**20, '.1f')} | "
            f"{fmt_time(k['p50'] * 1e3)} / {fmt_time(k['p99'] * 1e3)} / {fmt_time(k['max'] * 1e3)} | "
            f"{fmt_count(f['keystrokes'])} ({f['queries']} queries) | "
            f"{fmt_time(ids and ids['median_ns'])} / {fmt_time(full and full['median_ns'])} | "
            f"{fmt_time(commit and commit['median_ns']) if commit else '–'} |"
        )
    f0 = figures[0]
    lines += ["", "One by one: every prefix of every k-th bundled labelled query, in typing "
              "order, caches empty at the start, one thread. Criterion cycles through the same "
              f"keystrokes with the caches warm. The machine has {f0['threads']} hardware threads. "
              "Each row is the latest run at its size (`<target>/bench-figures/scale-N.json`)."]
    stamped = [f for f in figures if f.get("unix_time")]
    if stamped:
        lines[-1] += " Measured: " + ", ".join(
            f"{fmt_count(f['guides'])} at "
            + datetime.datetime.fromtimestamp(f["unix_time"], datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC")
            for f in stamped) + "."
    return lines


def simple_rows(group: str, names: list[tuple[str, str]], unit: str) -> list[str]:
    lines = [f"| {group} | median | {unit} |", "| --- | ---: | ---: |"]
    for name, label in names:
        e = estimate(group, name)
        if e is None:
            continue
        rate = fmt_count(e["per_second"]) if "per_second" in e else "–"
        lines.append(f"| {label} | {fmt_time(e['median_ns'])} | {rate} |")
    return lines


def markdown(command: str) -> str:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        BEGIN,
        "",
        f"Collected {datetime.date.today().isoformat()} after `{command}` on {cpu}, "
        f"{os.cpu_count()} cores; {rustc}.",
        "",
        "**Scale** (`--bench scale`, generated corpora, single-threaded search):",
        "",
        *scale_rows(),
        "",
        "**Keystroke on the bundled corpus** (`--bench keystroke`, medians):",
        "",
        *simple_rows("keystroke_bundled", [
            ("tantivy_default", "plain Tantivy (peer, same run)"),
            ("vagvisare_ids_only", "Vägvisare, ids only"),
            ("vagvisare_suggest", "Vägvisare, full suggestions"),
            ("vagvisare_suggest_cold", "Vägvisare, caches emptied every keystroke"),
        ], "per second"),
        "",
        "**Analyzer** (`--bench analyzer`, bundled + SweFAQ bodies):",
        "",
        *simple_rows("analyzer", [
            ("tokenize", "tokenize"),
            ("forms_every_word", "forms of every word, afresh"),
            ("analyze_batch", "Analyzer over a batch (remembers forms)"),
        ], "words/s"),
        "",
        "**Cases** (`--bench cases`):",
        "",
        *simple_rows("cases", [
            ("command_life", "one case's life, 9 commands"),
            ("json_round_trip", "JSON round trip of a closed case"),
            ("replay_events", "replay of its events"),
        ], "commands (or cases) / s"),
        "",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--command", default="make bench",
                        help="the command that produced the figures, for the record")
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    block = markdown(args.command)
    text = args.doc.read_text(encoding="utf-8") if args.doc.exists() else ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text += ("\n" if text else "") + block + "\n"
    args.doc.write_text(text, encoding="utf-8")
    print(block)


if __name__ == "__main__":
    main()
