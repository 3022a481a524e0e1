"""What reading memory costs again after it was left alone: a property of the machine, not of
Vägvisare, that decides how much slower a first keystroke is than the same keystroke repeated.

    python3 benches/compare/cold_memory.py [--mib 200] [--idle 0,1,3,10,30] [--huge]

A buffer is written whole, left alone for each idle time, then read at random pages (one byte of
each of 2 000 pages). On a machine whose memory stays where it was written, every idle time reads
at the same cost; where the host takes back memory a guest leaves alone (seen on the two-core
virtual machines these benchmarks run on), a page read after a few seconds costs tens of
microseconds. `--huge` asks the kernel for transparent huge pages for the buffer first
(`madvise`), `--lock` locks it in memory (`mlock`), to see whether either keeps it warm.
Prints microseconds a page, per idle time.
"""

from __future__ import annotations

import argparse
import ctypes
import mmap
import random
import time

PAGE = 4096


def idle_times(text: str) -> list[float]:
    """The idle times of `--idle`: seconds, comma-separated, none negative."""
    try:
        times = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seconds, comma-separated, not {text!r}") from None
    if any(t < 0 for t in times):
        raise argparse.ArgumentTypeError(f"an idle time is never negative: {text!r}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200, help="size of the buffer")
    parser.add_argument(
        "--idle", type=idle_times, default="0,1,3,10,30", help="idle times in seconds"
    )
    parser.add_argument("--pages", type=int, default=2000, help="pages read per idle time")
    parser.add_argument("--huge", action="store_true", help="madvise(MADV_HUGEPAGE) first")
    parser.add_argument("--lock", action="store_true", help="mlock the buffer")
    args = parser.parse_args()
    size = args.mib * 1024 * 1024
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if args.huge:
        buffer.madvise(mmap.MADV_HUGEPAGE)
    view = memoryview(buffer)
    if args.lock:
        libc = ctypes.CDLL(None, use_errno=True)
        address = ctypes.addressof(ctypes.c_char.from_buffer(buffer))
        if libc.mlock(ctypes.c_void_p(address), ctypes.c_size_t(size)) != 0:
            raise SystemExit(f"mlock failed: errno {ctypes.get_errno()}")
    pages = size // PAGE
    rng = random.Random(1)
    mode = "huge pages" if args.huge else "locked" if args.lock else "4 KiB pages"
    for idle in args.idle:
        for at in range(0, size, PAGE):
            view[at] = 1
        time.sleep(idle)
        offsets = [rng.randrange(pages) * PAGE + 128 for _ in range(args.pages)]
        started = time.perf_counter()
        total = 0
        for at in offsets:
            total += view[at]
        took = time.perf_counter() - started
        print(f"{mode}, after {idle:g} s alone: {took / len(offsets) * 1e6:.2f} µs a page")
    view.release()
    buffer.close()


if __name__ == "__main__":
    main()
