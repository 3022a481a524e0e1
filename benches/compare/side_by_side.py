#!/usr/bin/env python3
"""Vägvisare side by side with what a Python portal would otherwise use, in one run:

    python3 benches/compare/side_by_side.py

runs the same guides and the same queries through Vägvisare (its Python package), SQLite FTS5,
tantivy-py (default tokenizer and Swedish stemmer) and PostgreSQL full-text search (`swedish`;
a throwaway cluster on loopback, started here and stopped at the end, even on failure), each in
its own process; measures quality on the bundled evaluation set and SweFAQ dev, per-keystroke
latency on generated corpora of 1 000 to 100 000 guides (`--sizes` for more), build time and
peak memory; replays the first keystrokes (every keystroke of 100 sampled queries once, in
typing order, nothing searched before) on 10 000 and 100 000 guides, in memory and from an index
directory opened by a fresh process, against tantivy-py and bm25s; and writes
`docs/benchmarks.md` (the blocks between the side-by-side and first-keystroke markers),
`docs/latency-vs-size.png` and `<work>/results.json`.

    python3 benches/compare/side_by_side.py --parts first-pass --rounds 3

runs only the first-keystroke part (three times, the engines taking turns, each figure the median of
its rounds); `--baseline-python PY` adds the rows of a second Vägvisare build (another virtual
environment's package, main's, say) to the same run.

Needs: cargo, python3 with `tantivy`, `psycopg`, `matplotlib` (benches/compare/requirements.txt),
the package (`pip install ./bindings/python`), and Debian's `postgresql` (installed with apt-get
when missing and run as root). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import engines  # noqa: E402
import pg  # noqa: E402
import report  # noqa: E402

# SweFAQ v2.0's dev split, shipped in the repository (as `make eval-swefaq` reads it).
SHARED = REPO / "data" / "swefaq" / "dev"


def log(message: str) -> None:
    print(f"[side-by-side] {message}", file=sys.stderr, flush=True)


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))


def build_binaries() -> dict[str, Path]:
    log("building the Rust helpers (release)")
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "vagvisare-benches", "--bins",
         "-p", "vagvisare-cli"],
        check=True,
        cwd=REPO,
    )
    release = target_dir() / "release"
    return {name: release / name for name in ("gen-corpus", "eval-inputs", "vagvisare")}


def line_count(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def prepare_inputs(bins: dict[str, Path], work: Path, seed: int, sizes: list[int]) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    sets = {
        "bundled": {"guides": REPO / "data" / "guides", "queries": REPO / "data" / "eval",
                    "title": "Bundled evaluation set"},
        "swefaq": {"guides": SHARED / "guides.jsonl", "queries": SHARED / "queries.jsonl",
                   "title": "SweFAQ dev"},
    }
    for name, s in sets.items():
        if not Path(s["queries"]).exists():
            raise SystemExit(f"missing {s['queries']}: the SweFAQ split is shipped in data/swefaq")
        s["inputs"] = work / f"inputs-{name}.jsonl"
        subprocess.run(
            [bins["eval-inputs"], "--queries", s["queries"], "--seed", str(seed),
             "--out", s["inputs"]],
            check=True,
        )
    corpora = {}
    for n in sizes:
        path = work / f"corpus-{n}-seed1.jsonl"
        if not path.exists() or line_count(path) != n:
            log(f"generating {n} guides")
            subprocess.run(
                [bins["gen-corpus"], "--size", str(n), "--seed", "1", "--out", path], check=True
            )
        corpora[n] = path
    return {"sets": sets, "corpora": corpora}


def run_worker(engine: str, guides: Path, inputs: Path, task: str, queries: int,
               dsn: Optional[str], cli: Path, timeout: int, seed: int) -> dict:
    command = [sys.executable, str(HERE / "worker.py"), "--engine", engine, "--guides",
               str(guides), "--inputs", str(inputs), "--task", task,
               "--keystroke-queries", str(queries), "--cli", str(cli),
               "--eval-seed", str(seed)]
    if dsn:
        command += ["--dsn", dsn]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "task": task, "error": f"no answer within {timeout} s"}
    if done.returncode != 0:
        log(f"{engine} {task} on {guides.name} failed:\n{done.stderr[-3000:]}")
        tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        return {"engine": engine, "task": task, "error": tail[0][:300]}
    return json.loads(done.stdout)


# Engines of the first-keystroke part, and which of them open an index directory written by
# another process (the rest build in memory in the measuring process).
FIRST_ENGINES = ["vagvisare", "vagvisare:disk", "vagvisare-cli:disk", "tantivy-py-swedish",
                 "tantivy-py-swedish:disk", "bm25s"]


def run_first(spec: str, python: str, label: str, guides: Path, inputs: Path, queries: int,
              cli: Path, timeout: int, work: Path) -> dict:
    """One engine's first pass: in memory (`engine`), or (`engine:disk`) the guides indexed into
    a directory by one worker and that directory opened and searched by another."""
    engine, _, where = spec.partition(":")
    base = [python, str(HERE / "worker.py"), "--engine", engine, "--cli", str(cli)]

    def call(extra: list[str]) -> dict:
        try:
            done = subprocess.run(base + extra, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"engine": engine, "error": f"no answer within {timeout} s"}
        if done.returncode != 0:
            log(f"{label} first pass on {guides.name} failed:\n{done.stderr[-3000:]}")
            tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
            return {"engine": engine, "error": tail[0][:300]}
        return json.loads(done.stdout)

    timed = ["--inputs", str(inputs), "--keystroke-queries", str(queries)]
    if where != "disk":
        row = call(["--guides", str(guides), "--task", "first-pass", *timed])
    else:
        directory = work / f"index-{label.replace(':', '-').replace('@', '-')}-{guides.stem}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        built = call(["--guides", str(guides), "--task", "write-index",
                      "--index-dir", str(directory)])
        if "error" in built:
            row = built
        else:
            row = call(["--task", "open-first-pass", "--index-dir", str(directory), *timed])
            row["guides"] = built["guides"]
            row["build_seconds"] = built["build_seconds"]
            row["guides_per_second"] = built["guides_per_second"]
            row["build_peak_rss_mib"] = built["peak_rss_mib"]
        shutil.rmtree(directory, ignore_errors=True)
    row["label"] = label
    row["where"] = "disk" if where == "disk" else "memory"
    row["task"] = "first-pass"
    return row


def first_pass_part(results: dict, corpora: dict, inputs: Path, specs: list[str], rounds: int,
                    queries: int, baseline: Optional[str], cli: Path, timeout: int,
                    work: Path, partial: Path) -> None:
    """Every engine's first pass on every corpus, `rounds` times, the engines taking turns
    (so that other work on the machine falls on all of them alike)."""
    runs = [(spec, sys.executable, spec) for spec in specs]
    if baseline:
        runs += [(spec, baseline, spec.replace("vagvisare", "vagvisare@baseline", 1))
                 for spec in specs if spec.split(":")[0] == "vagvisare"]
    for n, corpus in corpora.items():
        rows = results["first_pass"].setdefault(str(n), [])
        for round_ in range(rounds):
            for spec, python, label in runs:
                log(f"first pass: {label} on {n} guides (round {round_ + 1} of {rounds})")
                row = run_first(spec, python, label, corpus, inputs, queries, cli, timeout, work)
                row["round"] = round_
                if record(results, f"{n} guides, first pass", row):
                    rows.append(row)
                partial.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


def record(results: dict, where: str, row: dict) -> Optional[dict]:
    """A worker's row, or None (and the failure kept in `results["failed"]`, shown in the
    report) when it failed or ran out of time: one engine's failure does not void the run."""
    if "error" not in row:
        return row
    results["failed"].append({**row, "where": where})
    log(f"{row['engine']} on {where}: {row['error']}")
    return None


def rust_eval(cli: Path, s: dict, seed: int) -> dict:
    """`vagvisare eval` on the same set, to check the Python run against the Rust protocol."""
    out = subprocess.run(
        [cli, "eval", "--guides", s["guides"], "--queries", s["queries"], "--seed", str(seed),
         "--engine", "vagvisare", "--format", "json"],
        check=True, capture_output=True, text=True,
    ).stdout
    data = json.loads(out)
    if isinstance(data, list):
        data = data[0]
    return data.get("report", data.get("vagvisare", data))


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            memory = int(f.readline().split()[1]) // 1024
    except OSError:
        pass
    system = platform.platform()
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            fields = dict(line.rstrip().split("=", 1) for line in f if "=" in line)
        system = f"{fields.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": memory, "system": system,
            "python": platform.python_version(), "rustc": rustc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="corpus sizes for latency (comma-separated)")
    parser.add_argument("--engines", default=",".join(engines.ENGINES),
                        help="engines to run (comma-separated)")
    parser.add_argument("--latency-queries", type=int, default=40,
                        help="queries whose every keystroke is replayed on each corpus")
    parser.add_argument("--set-latency-queries", type=int, default=100,
                        help="queries whose every keystroke is replayed on each evaluation set")
    parser.add_argument("--seed", type=int, default=42, help="typo seed (as vagvisare eval)")
    parser.add_argument("--work", type=Path, default=target_dir() / "compare",
                        help="where corpora, inputs and results.json go")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not rewrite docs/benchmarks.md and the plot")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per engine run")
    parser.add_argument("--parts", default="quality,latency,first-pass",
                        help="what to run (comma-separated: quality, latency, first-pass)")
    parser.add_argument("--first-sizes", default="10000,100000",
                        help="corpus sizes of the first-keystroke part (comma-separated)")
    parser.add_argument("--first-engines", default=",".join(FIRST_ENGINES),
                        help="engines of the first-keystroke part (`name` in memory, "
                             "`name:disk` from an index directory opened fresh)")
    parser.add_argument("--first-queries", type=int, default=100,
                        help="queries whose every keystroke the first pass replays once")
    parser.add_argument("--rounds", type=int, default=1,
                        help="first-keystroke rounds, engines taking turns; medians reported")
    parser.add_argument("--baseline-python",
                        help="a Python whose vagvisare package is another build (main's): its "
                             "rows join the first-keystroke part as vagvisare@baseline")
    args = parser.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - {"quality", "latency", "first-pass"}
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    first_sizes = [int(s.replace("_", "")) for s in args.first_sizes.split(",") if s.strip()]
    chosen = [e.strip() for e in args.engines.split(",") if e.strip()]
    first_specs = [e.strip() for e in args.first_engines.split(",") if e.strip()]

    # SIGTERM becomes an exception, so the `finally` below stops PostgreSQL then too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    # Other work on the machine shows in every figure: its load is written with them.
    load_at_start = list(os.getloadavg())
    bins = build_binaries()
    data = prepare_inputs(bins, args.work, args.seed,
                          sorted(set(sizes if "latency" in parts else [])
                                 | set(first_sizes if "first-pass" in parts else [])))
    if "vagvisare" in chosen:
        try:
            import vagvisare  # noqa: F401
        except ImportError:
            log("the vagvisare Python package is not installed: using the CLI stand-in")
            chosen[chosen.index("vagvisare")] = "vagvisare-cli"
    if "quality" not in parts and "latency" not in parts:
        chosen = [e for e in chosen if e != "postgresql-swedish"]
    cluster = None
    results: dict = {"quality": {}, "latency": {}, "first_pass": {}, "reference": {},
                     "failed": []}
    partial = args.work / "results-partial.json"
    try:
        dsn = None
        if "postgresql-swedish" in chosen:
            cluster = pg.Cluster(pg.install()).start()
            dsn = cluster.dsn
            log(f"PostgreSQL on 127.0.0.1:{cluster.port}")
        for name, s in (data["sets"].items() if "quality" in parts else []):
            results["quality"][name] = {"title": s["title"], "engines": []}
            for engine in ["python-baseline", *chosen]:
                log(f"quality: {engine} on {name}")
                row = record(results, s["title"], run_worker(
                    engine, Path(s["guides"]), s["inputs"], "quality",
                    args.set_latency_queries, dsn, bins["vagvisare"], args.timeout, args.seed))
                if row:
                    results["quality"][name]["engines"].append(row)
                partial.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
            results["reference"][name] = rust_eval(bins["vagvisare"], s, args.seed)
        bundled_inputs = data["sets"]["bundled"]["inputs"]
        for n, corpus in data["corpora"].items():
            if "latency" not in parts or n not in sizes:
                continue
            results["latency"][str(n)] = []
            for engine in ["python-baseline", *chosen]:
                log(f"latency: {engine} on {n} guides")
                row = record(results, f"{n} guides", run_worker(
                    engine, corpus, bundled_inputs, "latency", args.latency_queries,
                    dsn, bins["vagvisare"], args.timeout, args.seed))
                if row:
                    results["latency"][str(n)].append(row)
                partial.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
        if "first-pass" in parts:
            first_pass_part(results, {n: data["corpora"][n] for n in first_sizes}, bundled_inputs,
                            first_specs, args.rounds, args.first_queries, args.baseline_python,
                            bins["vagvisare"], args.timeout, args.work, partial)
    finally:
        if cluster:
            cluster.stop()
            log("PostgreSQL stopped")
    results["run"] = {
        "date": datetime.date.today().isoformat(),
        "command": " ".join(["python3 benches/compare/side_by_side.py",
                             *(shlex.quote(a) for a in sys.argv[1:])]),
        "load_average": {"start": load_at_start, "end": list(os.getloadavg())},
        "machine": machine(),
        "sizes": sizes,
        "latency_queries": args.latency_queries,
        "set_latency_queries": args.set_latency_queries,
        "seed": args.seed,
        "parts": sorted(parts),
        "rounds": args.rounds,
        "first_queries": args.first_queries,
    }
    out = args.work / "results.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    log(f"results in {out}")
    print(report.summary(results))
    if not args.no_docs:
        report.write_docs(results, REPO / "docs" / "benchmarks.md",
                          REPO / "docs" / "latency-vs-size.png")
        log("docs/benchmarks.md written")


if __name__ == "__main__":
    main()
