"""One engine, one task, in its own process, so that its peak memory is its own:

    python3 worker.py --engine sqlite-fts5 --guides G.jsonl --inputs I.jsonl --task quality
    python3 worker.py --engine vagvisare --guides corpus-100000.jsonl --inputs I.jsonl \
        --task latency --keystroke-queries 60

Prints one JSON object: build seconds, the quality columns (task `quality`), per-keystroke
latency percentiles (both tasks: `quality` replays every prefix of every query of the set,
`latency` every prefix of a fixed, seeded sample of the queries), and peak memory: this
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
    """Every text searched in order (top 5), each timed alone; percentiles in milliseconds."""
    timings = []
    clock = time.perf_counter_ns
    for text in texts:
        started = clock()
        found = engine.search(text, 5)
        timings.append(clock() - started)
        if len(found) > 5:
            raise AssertionError(f"{engine.name} returned {len(found)} results for k=5")
    timings.sort()
    ms = [t / 1e6 for t in timings]
    return {
        "keystrokes": len(ms),
        "p50_ms": protocol.percentile(ms, 50),
        "p99_ms": protocol.percentile(ms, 99),
        "max_ms": ms[-1],
        "mean_ms": sum(ms) / len(ms),
    }


def run(args: argparse.Namespace) -> dict:
    guides = list(protocol.read_jsonl(args.guides))
    inputs = list(protocol.read_jsonl(args.inputs))
    engine = engines.make(args.engine, dsn=args.dsn, cli=args.cli)
    result: dict = {"engine": engine.name, "task": args.task, "guides": len(guides)}
    try:
        result["version"] = engine.version()
        result["setup"] = engine.setup
        gc.collect()
        started = time.perf_counter()
        engine.build(guides)
        result["build_seconds"] = time.perf_counter() - started
        result["guides_per_second"] = len(guides) / max(result["build_seconds"], 1e-9)
        if args.task == "quality":
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
    result["client_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["server_peak_rss_mib"] = None if server is None else server / 1024
    result["peak_rss_mib"] = result["client_peak_rss_mib"] + (server or 0) / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", required=True)
    parser.add_argument("--guides", required=True, help="guides, JSON Lines file or folder")
    parser.add_argument("--inputs", required=True, help="query variants from eval-inputs")
    parser.add_argument("--task", choices=["quality", "latency"], default="quality")
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
    json.dump(run(args), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
