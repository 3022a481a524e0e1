"""The README's Python examples are run as tests: every ```python block, in a fresh namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
READMES = [ROOT / "bindings" / "python" / "README.md", ROOT / "README.md"]


def blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in READMES:
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 2
            found.append((str(path.relative_to(ROOT)), line, m.group(1)))
    return found


def test_the_binding_readme_has_examples() -> None:
    mine = [b for b in blocks() if b[0].startswith("bindings")]
    assert len(mine) >= 3


@pytest.mark.parametrize("where,line,code", blocks(), ids=lambda v: str(v)[:40])
def test_readme_example_runs(where: str, line: int, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples may write files
    # Padded so that a traceback names the README's own line numbers.
    compiled = compile("\n" * (line - 1) + code, where, "exec")
    exec(compiled, {"__name__": "readme_example"})
