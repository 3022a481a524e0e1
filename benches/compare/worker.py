"""One engine, one task, in its own process, so that its peak memory is its own:

    python3 worker.py --engine sqlite-fts5 --guides G.jsonl --inputs I.jsonl --task quality
    python3 worker.py --engine vagvisare --guides corpus-100000.jsonl --inputs I.jsonl \
        --task latency --keystroke-queries 60
    python3 worker.py --engine vagvisare --guides G.jsonl --inputs I.jsonl --task first-pass
    python3 worker.py --engine vagvisare --guides G.jsonl --task write-index --index-dir D
    python3 worker.py --engine vagvisare --guides G.jsonl --inputs I.jsonl --task open-first-pass \
        --index-dir D

Prints one JSON object: build seconds, the quality columns (task `quality`), per-keystroke
latency percentiles (both tasks: `quality` replays every prefix of every query of the set,
`latency` every prefix of a fixed, seeded sample of the queries after a warm-up, `first-pass`
and `open-first-pass` every prefix of the sample once, in typing order, with nothing searched
before: on the index just built in memory, or on the directory `write-index` wrote, opened by
this process), and peak memory: this
process's `ru_maxrss`, plus, for an engine that works in a server process (PostgreSQL's backend,
the CLI stand-in), that process's VmHWM.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402
import protocol  # noqa: E402

# Keystrokes replayed before timing starts, from queries outside the timed sample.
WARM_UP = 200
# Slowest keystrokes a replay names.
SLOWEST = 8


def sample(inputs: list[dict], count: int, seed: int) -> tuple[list[dict], list[dict]]:
    """A fixed, seeded sample of `count` queries (all when count <= 0), and the rest."""
    if count <= 0 or count >= len(inputs):
        return list(inputs), []
    order = list(range(len(inputs)))
    random.Random(seed).shuffle(order)
    chosen = set(order[:count])
    return (
        [q for i, q in enumerate(inputs) if i in chosen],
        [q for i, q in enumerate(inputs) if i not in chosen],
    )


def replay(engine: engines.Engine, texts: list[str]) -> dict:
    """Every text searched in order (top 5), each timed alone; percentiles in milliseconds.

    Timed twice: wall time, and the CPU time of this thread (`thread_time_ns`, where an engine
    that searches on the calling thread does its work), which other work on a busy machine
    does not lengthen; the `cpu_` figures leave out the time the thread waited for a core."""
    timings = []
    cpu = []
    clock = time.perf_counter_ns
    thread_clock = time.thread_time_ns
    # As `timeit` does: Python's cyclic garbage collector is off while searches are timed, so
    # that a collection over the harness's own objects (100 000 guides as dicts in a first
    # pass in memory) is never counted as one engine's keystroke.
    gc.collect()
    gc.disable()
    try:
        for text in texts:
            started_cpu = thread_clock()
            started = clock()
            found = engine.search(text, 5)
            timings.append(clock() - started)
            cpu.append(thread_clock() - started_cpu)
            if len(found) > 5:
                raise AssertionError(f"{engine.name} returned {len(found)} results for k=5")
    finally:
        gc.enable()
    # The slowest keystrokes with their place in the replay (benchmark queries, not user text).
    order = sorted(range(len(timings)), key=timings.__getitem__, reverse=True)[:SLOWEST]
    slowest = [{"at": i, "text": texts[i], "wall_ms": timings[i] / 1e6, "cpu_ms": cpu[i] / 1e6}
               for i in order]
    timings.sort()
    cpu.sort()
    ms = [t / 1e6 for t in timings]
    cpu_ms = [t / 1e6 for t in cpu]
    return {
        "keystrokes": len(ms),
        "p50_ms": protocol.percentile(ms, 50),
        "p99_ms": protocol.percentile(ms, 99),
        "max_ms": ms[-1],
        "mean_ms": sum(ms) / len(ms),
        "cpu_p50_ms": protocol.percentile(cpu_ms, 50),
        "cpu_p99_ms": protocol.percentile(cpu_ms, 99),
        "cpu_max_ms": cpu_ms[-1],
        "slowest": slowest,
    }


def first_pass(engine: engines.Engine, inputs: list[dict], count: int, seed: int) -> dict:
    """Every keystroke of the sampled queries once, in typing order, nothing searched before."""
    timed, _ = sample(inputs, count, seed)
    latency = replay(engine, protocol.keystrokes(q["query"] for q in timed))
    latency["queries"] = len(timed)
    return latency


def run_on_disk(args: argparse.Namespace, engine: engines.Engine, result: dict) -> dict:
    """`write-index`: the guides indexed into `--index-dir`; `open-first-pass`: that directory
    opened by this process (a restarted portal), then the first pass."""
    try:
        if args.task == "write-index":
            guides = list(protocol.read_jsonl(args.guides))
            result["guides"] = len(guides)
            gc.collect()
            started = time.perf_counter()
            engine.build_to(guides, args.index_dir)
            result["build_seconds"] = time.perf_counter() - started
            result["guides_per_second"] = len(guides) / max(result["build_seconds"], 1e-9)
            # As in memory: what the engine finishes after the load (Vägvisare's graphs, which
            # an index in a directory keeps there for the process that opens it), untimed.
            started = time.perf_counter()
            engine.settle()
            result["settle_seconds"] = time.perf_counter() - started
        else:
            inputs = list(protocol.read_jsonl(args.inputs))
            started = time.perf_counter()
            engine.open(args.index_dir)
            engine.ready()
            result["open_seconds"] = time.perf_counter() - started
            result["latency"] = first_pass(engine, inputs, args.keystroke_queries, args.seed)
        server = engine.server_peak_rss_kib()
    finally:
        engine.close()
    return peak_memory(result, server)


def peak_memory(result: dict, server) -> dict:
    result["client_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["server_peak_rss_mib"] = None if server is None else server / 1024
    result["peak_rss_mib"] = result["client_peak_rss_mib"] + (server or 0) / 1024
    return result


def run(args: argparse.Namespace) -> dict:
    # A replay of keystrokes reads the top 5 (`replay`); the quality columns read the top 10.
    answers = 10 if args.task == "quality" else 5
    engine = engines.make(args.engine, dsn=args.dsn, cli=args.cli, answers=answers)
    result: dict = {"engine": engine.name, "task": args.task}
    result["version"] = engine.version()
    result["setup"] = engine.setup
    if args.task in ("write-index", "open-first-pass"):
        return run_on_disk(args, engine, result)
    guides = list(protocol.read_jsonl(args.guides))
    inputs = list(protocol.read_jsonl(args.inputs))
    result["guides"] = len(guides)
    try:
        gc.collect()
        started = time.perf_counter()
        engine.build(guides)
        result["build_seconds"] = time.perf_counter() - started
        result["guides_per_second"] = len(guides) / max(result["build_seconds"], 1e-9)
        started = time.perf_counter()
        engine.settle()
        result["settle_seconds"] = time.perf_counter() - started
        if args.task == "first-pass":
            result["latency"] = first_pass(engine, inputs, args.keystroke_queries, args.seed)
        elif args.task == "quality":
            result["queries"] = len(inputs)
            result["quality"] = protocol.quality(engine.search, inputs)
            own = engine.own_evaluation(inputs, args.eval_seed)
            if own is not None:
                result["own_evaluation"] = {key: own[key] for key in result["quality"]}
            timed, _ = sample(inputs, args.keystroke_queries, args.seed)
            result["latency"] = replay(engine, protocol.keystrokes(q["query"] for q in timed))
        else:
            timed, rest = sample(inputs, args.keystroke_queries, args.seed)
            warm = protocol.keystrokes(q["query"] for q in rest)[:WARM_UP]
            replay(engine, warm)
            result["latency"] = replay(engine, protocol.keystrokes(q["query"] for q in timed))
            result["latency"]["queries"] = len(timed)
        server = engine.server_peak_rss_kib()
    finally:
        engine.close()
    return peak_memory(result, server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", required=True)
    parser.add_argument("--guides", help="guides, JSON Lines file or folder")
    parser.add_argument("--inputs", help="query variants from eval-inputs")
    parser.add_argument(
        "--task",
        choices=["quality", "latency", "first-pass", "write-index", "open-first-pass"],
        default="quality",
    )
    parser.add_argument("--index-dir", help="the index directory (write-index, open-first-pass)")
    parser.add_argument(
        "--keystroke-queries",
        type=int,
        default=0,
        help="replay the keystrokes of this many sampled queries (0: all)",
    )
    parser.add_argument("--seed", type=int, default=6, help="seed of the query sample")
    parser.add_argument("--eval-seed", type=int, default=42,
                        help="typo seed the inputs were written with (for the engine's own check)")
    parser.add_argument("--dsn", help="PostgreSQL connection string")
    parser.add_argument("--cli", help="path of the vagvisare binary (vagvisare-cli stand-in)")
    args = parser.parse_args()
    needs = {"write-index": ["guides", "index_dir"], "open-first-pass": ["inputs", "index_dir"]}
    for name in needs.get(args.task, ["guides", "inputs"]):
        if getattr(args, name) is None:
            parser.error(f"--{name.replace('_', '-')} is needed for --task {args.task}")
    json.dump(run(args), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
