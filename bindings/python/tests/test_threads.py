"""Many threads search while another adds guides and commits; the GIL is released meanwhile."""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import pytest

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


# ---------------------------------------------------------------- the GIL is released
#
# A counter thread that merely gets ticks proves nothing: since Python 3.11 it gets them even
# while another thread holds the GIL in one long C call, between that call's own GIL hand-offs.
# So: a worker thread makes one long call while the main thread reads the clock in a tight loop.
# If the call held the GIL, the main thread would stand still for the whole call: one gap as long
# as the call. Released, the largest gap is a few switch intervals (5 ms) plus what the OS scheduler
# takes. `test_the_measure_catches_a_call_that_holds_the_gil` checks the measure on a call known
# to hold the GIL.

#: The call must last at least this long for the gap to mean anything.
MIN_SECONDS = 0.3
#: It is sized (doubling) until it lasts this long, in dev and release builds alike.
TARGET_SECONDS = 0.6
#: The largest main-thread gap allowed, as a share of the call's duration.
MAX_GAP_SHARE = 0.25
#: Tries before failing: a busy machine may stall the main thread once; a held GIL stalls it always.
ATTEMPTS = 3


def largest_gap_during(call: Callable[[], Any]) -> tuple[float, float]:
    """Runs `call` in a worker thread while the main thread reads the clock in a tight loop;
    the call's duration and the longest the main thread went without a reading during it."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        box["start"] = time.perf_counter()
        try:
            box["result"] = call()
        except BaseException as error:  # re-raised in the main thread
            box["error"] = error
        finally:
            box["end"] = time.perf_counter()
            done.set()

    gaps: list[tuple[float, float]] = []  # only the gaps over 1 ms, so memory stays small
    worker = threading.Thread(target=work)
    last = time.perf_counter()
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        if now - last > 0.001:
            gaps.append((last, now))
        last = now
    worker.join()
    if "error" in box:
        raise box["error"]
    start, end = box["start"], box["end"]
    # A gap counts for the part of it that falls within the call (with the GIL held throughout,
    # the one gap spans the whole call: the last reading before it, the first after).
    worst = max((min(b, end) - max(a, start) for a, b in gaps if b > start and a < end), default=0.0)
    return end - start, worst


def sized_call(make: Callable[[int], Callable[[], Any]], size: int) -> Callable[[], Any]:
    """The call `make(size)`, with `size` scaled up until one run lasts `TARGET_SECONDS` (the
    same test serves dev and release builds, which differ tenfold)."""
    for _ in range(8):
        call = make(size)
        started = time.perf_counter()
        call()
        took = time.perf_counter() - started
        if took >= TARGET_SECONDS:
            return call
        size = min(size * 64, int(size * 1.3 * TARGET_SECONDS / max(took, 0.001)) + 1)
    raise AssertionError(f"the call does not last {TARGET_SECONDS} s even at size {size}")


def gap_shares(call: Callable[[], Any]) -> list[tuple[float, float]]:
    """(duration, largest gap) of up to `ATTEMPTS` runs, stopping at the first that passes."""
    runs = []
    for _ in range(ATTEMPTS):
        took, gap = largest_gap_during(call)
        runs.append((took, gap))
        if took >= MIN_SECONDS and gap < MAX_GAP_SHARE * took:
            break
    return runs


def assert_gil_released(call: Callable[[], Any]) -> None:
    runs = gap_shares(call)
    took, gap = runs[-1]
    assert took >= MIN_SECONDS, runs
    assert gap < MAX_GAP_SHARE * took, f"the main thread stood still during the call: {runs}"


@functools.lru_cache(maxsize=1)
def bundled_index() -> vagvisare.GuideIndex:
    return vagvisare.GuideIndex.bundled()


def evaluation(size: int) -> Callable[[], Any]:
    index = bundled_index()
    queries = [
        {"query": "glömt lösenordet till komnet kontot", "relevant": ["it-losenord-komnet-glomt"]}
    ] * size

    def call() -> None:
        report = index.evaluate(queries)
        assert report.queries == len(queries) and report.recall_at_5 == 1.0

    return call


def upsert_and_commit(size: int) -> Callable[[], Any]:
    body = "Kontrollera att skrivaren har papper och toner och att den är ansluten till nätverket. "
    guides = [
        {"id": f"g{n}", "title": f"Guide nummer {n} om skrivaren", "body": body * 4}
        for n in range(size)
    ]

    def call() -> None:
        index = vagvisare.GuideIndex()
        index.upsert(guides)
        index.commit()
        assert len(index) == size

    return call


@pytest.mark.parametrize(
    ("make", "size"),
    # (A search loop runs in `evaluate`; the Rust-timed suggest loop of bench_overhead.py is not
    # in the published module.)
    [(evaluation, 10), (upsert_and_commit, 500)],
    ids=["evaluate", "upsert-commit"],
)
def test_the_gil_is_released_during_a_long_rust_call(
    make: Callable[[int], Callable[[], Any]], size: int
) -> None:
    assert_gil_released(sized_call(make, size))


def test_the_measure_catches_a_call_that_holds_the_gil() -> None:
    # `sum` over a range runs in C with the GIL held and never lets another thread in.
    call = sized_call(lambda size: lambda: sum(range(size)), 1_000_000)
    took, gap = largest_gap_during(call)
    assert took >= MIN_SECONDS, (took, gap)
    assert gap >= MAX_GAP_SHARE * took, (took, gap)
    assert gap > 0.8 * took, (took, gap)
