"""Quick checks of the comparison's groundwork (`make compare-test`, part of `make test`):

    python3 -m unittest discover -s benches/compare/tests -v

- the Python port of the evaluation protocol gives, query by query, the strings the Rust
  evaluation asks (via the `eval-inputs` binary) on the bundled set and SweFAQ dev;
- the figures are computed as in Rust;
- `gen-corpus` writes the same corpus twice and a different one for another seed;
- the SQLite FTS5 adapter (standard library only) indexes and finds.

The binaries run through `cargo run` (debug; `CARGO_TARGET_DIR` is respected).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPARE = HERE.parent
REPO = COMPARE.parent.parent
sys.path.insert(0, str(COMPARE))

import engines  # noqa: E402
import protocol  # noqa: E402
import worker  # noqa: E402

SWEFAQ = REPO / "data" / "swefaq" / "dev" / "queries.jsonl"


def cargo_run(binary: str, *args: str) -> None:
    subprocess.run(
        ["cargo", "run", "-q", "-p", "vagvisare-benches", "--bin", binary, "--", *args],
        check=True,
        cwd=REPO,
    )


class RustInputs(unittest.TestCase):
    """The Rust variants against the Python port, for every query of both sets."""

    def check_set(self, queries: Path) -> int:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "inputs.jsonl"
            cargo_run("eval-inputs", "--queries", str(queries), "--seed", "42", "--out", str(out))
            rust = list(protocol.read_jsonl(str(out)))
        labelled = list(protocol.read_jsonl(str(queries)))
        self.assertEqual(len(rust), len(labelled))
        for i, (r, q) in enumerate(zip(rust, labelled)):
            self.assertEqual(r["index"], i)
            self.assertEqual(r["query"], q["query"])
            self.assertEqual(r["relevant"], q["relevant"])
            ported = protocol.variants(q["query"], i, seed=42)
            for key, value in ported.items():
                self.assertEqual(r[key], value, f"{key} of query {i}")
        return len(rust)

    def test_bundled_queries(self) -> None:
        n = self.check_set(REPO / "data" / "eval")
        self.assertGreater(n, 500)

    @unittest.skipUnless(SWEFAQ.exists(), "data/swefaq/dev is missing")
    def test_swefaq_queries(self) -> None:
        self.assertEqual(self.check_set(SWEFAQ), 110)


class Port(unittest.TestCase):
    def test_figures_as_in_rust(self) -> None:
        ranked = ["a", "b", "c"]
        self.assertEqual(protocol.recall_at(ranked, ["b"], 1), 0.0)
        self.assertEqual(protocol.recall_at(ranked, ["b"], 5), 1.0)
        self.assertEqual(protocol.recall_at(ranked, ["b", "z"], 5), 0.5)
        self.assertEqual(protocol.reciprocal_rank(ranked, ["c"], 10), 1 / 3)
        self.assertEqual(protocol.reciprocal_rank(ranked, ["z"], 10), 0.0)

    def test_prefix_rounds_half_away_from_zero_like_rust(self) -> None:
        self.assertEqual(protocol.typed_prefix("glömt lösenord", 0.5), "glömt l")
        self.assertEqual(protocol.typed_prefix("abcde", 0.5), "abc")  # 2.5 -> 3, not 2
        self.assertEqual(protocol.typed_prefix("a", 0.25), "a")
        self.assertEqual(protocol.typed_prefix("", 0.5), "")

    def test_diacritics_and_typos(self) -> None:
        self.assertEqual(protocol.strip_diacritics("Återställ lösenord på Café"),
                         "Aterstall losenord pa Cafe")
        self.assertEqual(protocol.strip_diacritics("A\u030ar"), "Ar")
        for seed in range(50):
            out = protocol.add_typos("glömt mitt lösenord idag", seed).split(" ")
            self.assertEqual((out[1], out[3]), ("mitt", "idag"))
            self.assertTrue(out[0].startswith("g") and out[2].startswith("l"))
            self.assertNotEqual(out[2], "lösenord")

    def test_percentile_and_keystrokes(self) -> None:
        values = [float(v) for v in range(1, 101)]
        self.assertEqual(protocol.percentile(values, 50), 50.0)
        self.assertEqual(protocol.percentile(values, 99), 99.0)
        self.assertEqual(protocol.keystrokes(["åt", "b"]), ["å", "åt", "b"])


class Corpus(unittest.TestCase):
    def test_gen_corpus_is_seeded(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            paths = [Path(tmp) / name for name in ("a.jsonl", "b.jsonl", "c.jsonl")]
            for path, seed in zip(paths, ("1", "1", "2")):
                cargo_run("gen-corpus", "--size", "400", "--seed", seed, "--out", str(path))
            a, b, c = (p.read_bytes() for p in paths)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        guides = [json.loads(line) for line in a.decode("utf-8").splitlines()]
        self.assertEqual(len(guides), 400)
        self.assertEqual(len({g["id"] for g in guides}), 400)
        self.assertTrue(all(g["title"].strip() for g in guides))


class Fts5Adapter(unittest.TestCase):
    def test_builds_and_finds_with_prefixes_and_without_diacritics(self) -> None:
        guides = list(protocol.read_jsonl(str(REPO / "data" / "guides")))
        engine = engines.Fts5()
        engine.build(guides)
        target = guides[0]
        word = max(engines.words(target["title"]), key=len)
        self.assertIn(target["id"], engine.search(target["title"], 10))
        self.assertIn(target["id"], engine.search(word[:-1], 1000))
        self.assertIn(target["id"], engine.search(protocol.strip_diacritics(target["title"]), 10))
        # Text typed by a person never raises, whatever it holds.
        for text in ["", "   ", '"', "NOT AND OR", "a*b(c)", "^", "title:x", "\x00"]:
            self.assertLessEqual(len(engine.search(text, 5)), 5)
        engine.close()


class CliStandIn(unittest.TestCase):
    def test_asks_for_as_many_suggestions_as_the_task_reads(self) -> None:
        # Each suggestion is explained, so a CLI asked for 10 where the others are asked for 5
        # would do twice their work in every keystroke's figure.
        def limit(engine: engines.Engine) -> str:
            command = engine.command("INDEX")
            self.assertEqual(command[:4], ["vagvisare", "suggest", "--index", "INDEX"])
            return command[command.index("--limit") + 1]

        self.assertEqual(limit(engines.make("vagvisare-cli", cli="vagvisare", answers=5)), "5")
        self.assertEqual(limit(engines.make("vagvisare-cli", cli="vagvisare")), "10")
        for engine in (engines.make("vagvisare-cli", cli="vagvisare", answers=5),
                       engines.make("vagvisare-cli", cli="vagvisare")):
            engine.close()


class Replay(unittest.TestCase):
    def test_names_the_slowest_keystrokes_and_leaves_the_collector_on(self) -> None:
        import gc
        import time

        class Slow:
            name = "slow"
            collecting: list[bool] = []

            def search(self, text: str, k: int) -> list[str]:
                self.collecting.append(gc.isenabled())
                time.sleep(0.02 if text == "slow" else 0.0)
                return ["a"]

        engine = Slow()
        latency = worker.replay(engine, ["a", "ab", "slow", "abc"])
        self.assertEqual(latency["keystrokes"], 4)
        self.assertEqual(latency["slowest"][0]["text"], "slow")
        self.assertEqual(latency["slowest"][0]["at"], 2)
        self.assertGreaterEqual(latency["slowest"][0]["wall_ms"], 15)
        self.assertEqual(len(latency["slowest"]), 4)
        self.assertEqual(engine.collecting, [False] * 4, "the collector is off while timing")
        self.assertTrue(gc.isenabled(), "and on again afterwards")

    def test_the_report_lists_vagvisare_s_slowest_keystrokes_only(self) -> None:
        import report

        slow = [{"at": 3, "text": "hemtjänstmobilen ", "wall_ms": 1.3, "cpu_ms": 1.2}]
        rows = [{"label": "vagvisare", "engine": "vagvisare", "where": "memory", "round": 1,
                 "latency": {"slowest": slow}},
                {"label": "tantivy-py-swedish", "engine": "tantivy-py-swedish",
                 "where": "memory", "round": 1, "latency": {"slowest": slow}}]
        lines = report.first_slowest({"10000": rows})
        self.assertEqual(len(lines), 1)
        self.assertIn("round 2", lines[0])
        self.assertIn("1 300 'hemtjänstmobilen '", lines[0])


if __name__ == "__main__":
    unittest.main()
