"""Many threads search while another adds guides and commits; the GIL is released meanwhile."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import vagvisare
from conftest import GUIDES

QUERIES = ["glömt lösen", "skrivaren", "soptunnan", "lösenordsbyte", "ny guide", "", "tömts"]


def test_suggest_from_eight_threads_while_one_upserts_and_commits() -> None:
    index = vagvisare.GuideIndex()
    index.upsert(GUIDES)
    index.commit()
    done = threading.Event()
    rounds = 40

    def write() -> int:
        for n in range(rounds):
            index.upsert(
                [{"id": f"ny-{n}", "title": f"Ny guide nummer {n}", "body": "Hämtas av skrivaren."}]
            )
            if n % 3 == 0:
                index.delete([f"ny-{n - 1}"])
            index.commit()
        done.set()
        return rounds

    def search(worker: int) -> int:
        calls = 0
        while not done.is_set() or calls < 50:
            for q in QUERIES:
                found = index.suggest(q, limit=5)
                assert len(found) <= 5
                for s in found:
                    assert s.id and s.title and isinstance(s.score, float)
                    assert s.id in {"pw", "printer", "bins"} or s.id.startswith("ny-")
                calls += 1
        return calls

    with ThreadPoolExecutor(max_workers=9) as pool:
        writer = pool.submit(write)
        searchers = [pool.submit(search, w) for w in range(8)]
        assert writer.result(timeout=300) == rounds
        calls = [f.result(timeout=300) for f in searchers]
    assert all(c >= 50 for c in calls)
    # Every committed change is visible once the writer is done.
    assert index.get(f"ny-{rounds - 1}") is not None
    assert index.get("ny-2") is None  # deleted at n = 3
    assert index.suggest(f"nummer {rounds - 1}")[0].id == f"ny-{rounds - 1}"


def test_the_gil_is_released_while_rust_searches() -> None:
    index = vagvisare.GuideIndex.bundled()
    texts = ["glömt lösenordet till komnet", "skrivaren skriver inte ut"] * 400
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks
        # One call into Rust that runs for a while: the counter thread can only move on if the
        # call released the GIL (with it held, the switch interval never comes round).
        timings = vagvisare._vagvisare._time_suggest_in_rust(index, texts, 5)
        during = ticks - before
    finally:
        stop.set()
        counter.join()
    assert len(timings) == len(texts) and all(t > 0 for t in timings)
    assert during > 1000, during


def test_evaluation_releases_the_gil() -> None:
    index = vagvisare.GuideIndex.bundled()
    queries = [{"query": "glömt lösenordet till komnet kontot", "relevant": ["it-losenord-komnet-glomt"]}] * 20
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        before = ticks
        report = index.evaluate(queries)
        during = ticks - before
    finally:
        stop.set()
        counter.join()
    assert report.queries == 20 and report.recall_at_5 == 1.0
    assert during > 1000, during
