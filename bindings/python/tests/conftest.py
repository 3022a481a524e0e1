"""Shared fixtures: a small index built once per module, the bundled index, times."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

import vagvisare

#: The repository root (bindings/python/tests → ../../..).
ROOT = Path(__file__).resolve().parents[3]

#: Swedish time in winter: the seeds' timestamps carry +01:00.
CET = timezone(timedelta(hours=1))

GUIDES: list[dict[str, Any]] = [
    {
        "id": "pw",
        "title": "Byta lösenord",
        "body": "Så byter du lösenordet till ditt konto. Har du glömt lösenordet? Beställ ett nytt.",
        "category": "IT och telefoni > Lösenord och konton",
    },
    {
        "id": "printer",
        "title": "Skrivaren skriver inte ut",
        "body": "Kontrollera att skrivaren är påslagen och har papper. Starta om datorn.",
        "category": "IT och telefoni > Skrivare",
        "audiences": ["utförare"],
        "keywords": ["utskrift"],
    },
    {
        "id": "bins",
        "title": "Soptunnan har inte tömts",
        "body": "Om soptunnan inte har tömts på hämtningsdagen kan du göra en felanmälan.",
        "category": "Bygga, bo och miljö > Avfall",
        "url": "https://example.invalid/sopor",
    },
]


def at(text: str) -> datetime:
    """A time-zone-aware datetime from ISO 8601 text with an offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


@pytest.fixture(scope="module")
def small() -> vagvisare.GuideIndex:
    index = vagvisare.GuideIndex()
    index.upsert(GUIDES)
    index.commit()
    return index


@pytest.fixture(scope="module")
def bundled() -> vagvisare.GuideIndex:
    return vagvisare.GuideIndex.bundled()


def cli_binary() -> Optional[str]:
    """The `vagvisare` CLI, if built: $VAGVISARE_CLI, then the workspace's target dirs."""
    candidates = [os.environ.get("VAGVISARE_CLI", "")]
    for target in [os.environ.get("CARGO_TARGET_DIR", ""), str(ROOT / "target")]:
        if target:
            candidates += [f"{target}/release/vagvisare", f"{target}/debug/vagvisare"]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return shutil.which("vagvisare")


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
