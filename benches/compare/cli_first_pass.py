"""The CLI's first pass over the compare's sampled keystrokes, with the guides indexed in memory
(`--guides`) or opened from a directory (`--index`): the same process, pipe and JSON either way,
so the two differ only in where the index comes from (issue 19: an index opened from disk,
the CLI included, answers within 1.2x of the same index in memory).

    python3 benches/compare/cli_first_pass.py --cli target/release/vagvisare \\
        --inputs W/inputs-bundled.jsonl --guides W/corpus-10000-seed1.jsonl --wait 0
    python3 benches/compare/cli_first_pass.py --cli target/release/vagvisare \\
        --inputs W/inputs-bundled.jsonl --index DIR

`W` is the work folder of `side_by_side.py` (its corpora and inputs); `DIR` an index written by
`vagvisare index`. `--wait` seconds pass after the first answer before timing starts: in memory
beyond 10 000 guides the semantic graphs are built in the background after the load (under a
second at 100 000 guides since session 23, about 20 s before), which an index in a directory has kept. Prints p50 / p99 / max in µs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import protocol  # noqa: E402
from worker import sample  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the vagvisare binary")
    parser.add_argument("--inputs", required=True, help="the compare's inputs (JSON Lines)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--guides", help="guides to index in memory")
    source.add_argument("--index", help="an index directory to open")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds before timing starts")
    parser.add_argument("--queries", type=int, default=100, help="sampled queries (as compare)")
    parser.add_argument("--seed", type=int, default=6, help="seed of the sample (as compare)")
    args = parser.parse_args()
    timed, _ = sample(list(protocol.read_jsonl(args.inputs)), args.queries, args.seed)
    texts = protocol.keystrokes(q["query"] for q in timed)
    mode = ["--guides", args.guides] if args.guides else ["--index", args.index]
    proc = subprocess.Popen(
        [args.cli, "suggest", *mode, "--stdin", "--format", "jsonl", "--limit", "5"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1,
    )
    assert proc.stdin and proc.stdout

    def ask(text: str) -> dict:
        proc.stdin.write(text.replace("\n", " ").replace("\r", " ") + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    ask("")  # answered once the index is ready
    time.sleep(args.wait)
    micros = []
    for text in texts:
        started = time.perf_counter()
        ask(text)
        micros.append((time.perf_counter() - started) * 1e6)
    slowest = sorted(range(len(texts)), key=lambda i: -micros[i])[:3]
    proc.stdin.close()
    proc.wait(timeout=60)
    slow = list(micros)
    micros.sort()
    print(f"{mode[0]} {len(micros)} keystrokes: p50 {protocol.percentile(micros, 50):.0f} "
          f"p99 {protocol.percentile(micros, 99):.0f} max {micros[-1]:.0f} µs; slowest: "
          + ", ".join(f"#{i} {slow[i]:.0f} {texts[i]!r}" for i in slowest))


if __name__ == "__main__":
    main()
