"""`cold_memory.py` runs and reports one cost a page per idle time (no vagvisare needed):

    python3 -m unittest discover -s benches/compare/tests -v
"""

from __future__ import annotations

import re
import subprocess
import sys
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "cold_memory.py"


class ColdMemory(unittest.TestCase):
    def test_one_line_a_page_cost_per_idle_time(self) -> None:
        out = subprocess.run(
            [sys.executable, str(SCRIPT), "--mib", "4", "--idle", "0,0", "--pages", "50"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        self.assertEqual(len(out), 2, out)
        for line in out:
            match = re.fullmatch(r"4 KiB pages, after 0 s alone: (\d+\.\d\d) µs a page", line)
            self.assertIsNotNone(match, line)
            self.assertGreater(float(match.group(1)), 0.0)

    def test_refuses_a_bad_idle_list(self) -> None:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--mib", "1", "--idle", "soon"],
            capture_output=True,
            text=True,
        )
        self.assertEqual(done.returncode, 2, done.stderr)  # argparse's usage error
        self.assertIn("seconds, comma-separated", done.stderr)


if __name__ == "__main__":
    unittest.main()
