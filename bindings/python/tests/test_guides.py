"""GuideIndex: building, changing, suggesting, filtering, on disk, and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

import vagvisare
from conftest import GUIDES, ROOT, cli_binary


def ids(suggestions: list[vagvisare.Suggestion]) -> list[str]:
    return [s.id for s in suggestions]


def test_suggests_with_swedish_analysis(small: vagvisare.GuideIndex) -> None:
    # Half-typed last word, a colloquial synonym ("lösen"), an inflected form.
    found = small.suggest("glömt lösen")
    assert found and found[0].id == "pw"
    first = found[0]
    assert first.title == "Byta lösenord"
    assert first.category == "IT och telefoni > Lösenord och konton"
    assert first.url is None
    assert isinstance(first.score, float) and first.score > 0
    kinds = {m.query: m.kind for m in first.matched}
    assert set(kinds) == {"glömt", "lösen"}
    assert all(
        k in {"exact", "stemmed", "folded", "compound_part", "synonym", "typo", "prefix"}
        for k in kinds.values()
    )
    # Without å/ä/ö, and with the last word half typed.
    assert small.suggest("soptunnan har inte tomts")[0].id == "bins"
    assert small.suggest("skrivar")[0].id == "printer"


def test_snippet_highlights_are_character_offsets(small: vagvisare.GuideIndex) -> None:
    s = small.suggest("lösenordet glömt")[0]
    snippet = s.snippet
    assert snippet.highlights, snippet
    marked = [snippet.text[a:b] for a, b in snippet.highlights]
    # Python slices land exactly on whole words, å/ä/ö included.
    assert "lösenordet" in marked and "glömt" in marked
    assert "<mark>lösenordet</mark>" in snippet.html
    assert str(snippet) == snippet.text


def test_to_dict_is_the_cli_json_shape(small: vagvisare.GuideIndex) -> None:
    d = small.suggest("soptunna")[0].to_dict()
    assert d["id"] == "bins" and d["url"] == "https://example.invalid/sopor"
    assert set(d) == {"id", "title", "category", "url", "snippet", "matched", "score"}
    assert set(d["snippet"]) == {"text", "html", "highlights", "highlights_utf16"}
    # Character offsets, the unit of every interface: they slice the words <mark> wraps.
    text, html = d["snippet"]["text"], d["snippet"]["html"]
    marked = [text[a:b] for a, b in d["snippet"]["highlights"]]
    assert marked and marked == re.findall(r"<mark>(.*?)</mark>", html)
    assert d["matched"][0]["kind"] in {"exact", "stemmed", "prefix"}
    json.dumps(d)  # plain data


def test_filters_on_audience_and_category(small: vagvisare.GuideIndex) -> None:
    # A guide for "utförare" only is hidden from another audience, shown to its own.
    assert "printer" not in ids(small.suggest("skrivaren", audiences=["handläggare"]))
    assert "printer" in ids(small.suggest("skrivaren", audiences="utförare"))
    # A category filter finds everything below the level.
    found = ids(small.suggest("inte", limit=10, categories=["IT och telefoni"]))
    assert found and set(found) <= {"pw", "printer"}
    assert ids(small.suggest("soptunnan", categories=("Bygga, bo och miljö",))) == ["bins"]


def test_limit(small: vagvisare.GuideIndex) -> None:
    assert len(small.suggest("inte", limit=1)) == 1
    assert small.suggest("inte", limit=0) == []
    # A huge limit can only find what is there (and never allocates for it).
    assert len(small.suggest("inte", limit=10**12)) <= 3
    assert len(small.suggest("inte", limit=10**40)) <= 3
    assert len(small.suggest("inte", limit=None)) <= 5  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "!!!???",
        "🙂🙂 lösenord",
        'title:"lösen" AND (x OR y)* ~2 ^3',
        "\x00\x01\x1b[31m",
        "\ud800 lösen",  # a lone surrogate: Python allows it, the suggester must not fail
        "lösenord " * 200_000,
        "a" * 10_000,
        "a\u030ar",  # decomposed å
    ],
)
def test_any_typed_text_gives_a_list(small: vagvisare.GuideIndex, text: str) -> None:
    result = small.suggest(text)
    assert isinstance(result, list)
    assert all(isinstance(s, vagvisare.Suggestion) for s in result)


def test_upsert_replaces_delete_removes_rollback_drops() -> None:
    index = vagvisare.GuideIndex()
    index.upsert(GUIDES)
    index.commit()
    assert len(index) == 3
    index.upsert([{"id": "pw", "title": "Nytt lösenord", "body": "Beställ ett nytt."}])
    index.commit()
    assert len(index) == 3
    got = index.get("pw")
    assert got is not None and got["title"] == "Nytt lösenord"
    index.delete(["pw"])
    index.commit()
    assert index.get("pw") is None and len(index) == 2
    index.delete("bins")  # one id as a str
    index.rollback()
    index.commit()
    assert index.get("bins") is not None
    # Generators and other iterables of mappings work.
    index.upsert(dict(g, id=g["id"] + "-2") for g in GUIDES)
    index.commit()
    assert len(index) == 5
    assert index.get("nothing") is None


def test_warm_prepares_common_words_without_changing_suggestions(
    bundled: vagvisare.GuideIndex,
) -> None:
    texts = ["fö", "för ", "an", "logga in på"]
    before = [ids(bundled.suggest(t, limit=5)) for t in texts]
    # The bundled index was optimized, which warms; warming again keeps the same words.
    prepared = bundled.warm()
    assert prepared > 10
    assert bundled.warm() == prepared
    assert [ids(bundled.suggest(t, limit=5)) for t in texts] == before
    # Within the exact scan there are no graphs to wait for: it returns, the answers unchanged.
    bundled.wait_for_semantic_graphs()
    assert [ids(bundled.suggest(t, limit=5)) for t in texts] == before
    empty = vagvisare.GuideIndex()
    assert empty.warm() == 0


def test_an_index_opened_from_disk_is_warmed_and_the_cache_budget_is_a_setting(
    tmp_path: Path,
) -> None:
    guides = [json.loads(line) for line in (ROOT / "data" / "guides").glob("*.jsonl")
              for line in line.read_text(encoding="utf-8").splitlines() if line.strip()]
    built = vagvisare.GuideIndex(tmp_path / "index")
    built.upsert(guides)
    built.commit()
    built.optimize()
    texts = ["fö", "för ", "an", "logga in på"]
    expected = [ids(built.suggest(t, limit=5)) for t in texts]
    del built
    # Opening warms: what `optimize` prepared is ready again, nothing left to prepare.
    opened = vagvisare.GuideIndex(tmp_path / "index")
    prepared = opened.warm()
    assert prepared > 10
    assert [ids(opened.suggest(t, limit=5)) for t in texts] == expected
    # A smaller budget keeps fewer common words, never other suggestions.
    del opened
    small = vagvisare.GuideIndex(tmp_path / "index", cache_mib=1)
    assert [ids(small.suggest(t, limit=5)) for t in texts] == expected
    assert vagvisare.GuideIndex(cache_mib=1).warm() == 0
    with pytest.raises(vagvisare.InputError, match="cache_mib"):
        vagvisare.GuideIndex(cache_mib=0)
    with pytest.raises(TypeError, match="cache_mib"):
        vagvisare.GuideIndex(cache_mib="48")  # type: ignore[arg-type]


def test_a_bad_guide_refuses_the_whole_batch() -> None:
    index = vagvisare.GuideIndex()
    good = {"id": "ok", "title": "Fungerar"}
    for bad, field in [({"id": "x"}, "title"), ({"title": "No id"}, "id")]:
        with pytest.raises(vagvisare.GuideError) as caught:
            index.upsert([good, bad])
        assert field in str(caught.value)
        assert isinstance(caught.value, ValueError)
    with pytest.raises(vagvisare.GuideError) as caught:
        index.upsert([good, {"id": "  ", "title": "blank id"}])
    assert caught.value.guide_id == "  "
    with pytest.raises(vagvisare.GuideError, match="twice"):
        index.upsert([good, good])
    index.commit()
    assert len(index) == 0


def test_a_guide_of_the_wrong_shape_is_named_by_position_and_key() -> None:
    index = vagvisare.GuideIndex()
    good = {"id": "ok", "title": "Fungerar", "keywords": ["skrivare"], "url": None}
    for bad, message in [
        ({"id": "x", "title": "T", "body": None}, 'guide #2 "body" is None'),
        ({"id": "x", "title": 5}, 'guide #2 "title" must be a str, not int'),
        ({"id": "x", "title": "T", "keywords": "skrivare"}, 'guide #2 "keywords" must be an iterable'),
        ({"id": "x", "title": "T", "audiences": ["a", 7]}, 'each item of guide #2 "audiences"'),
        ({"id": "x", "title": "T", "url": 3}, 'guide #2 "url" must be a str'),
    ]:
        with pytest.raises((TypeError, vagvisare.Error), match=message):
            index.upsert([good, bad])
    # Any mapping is read as a dict is: a key it lacks is left out (its get() says None).
    index.upsert([good, MappingProxyType({"id": "m", "title": "Karta", "body": "Via mapping"})])
    index.commit()
    stored = index.get("m")
    assert len(index) == 2 and stored is not None and stored["body"] == "Via mapping"


def test_from_jsonl_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "guides.jsonl"
    path.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in GUIDES) + "\n")
    index = vagvisare.GuideIndex.from_jsonl(path)
    assert len(index) == 3 and index.suggest("skrivaren")[0].id == "printer"
    assert len(vagvisare.GuideIndex.from_jsonl(str(path))) == 3

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "title": "A"}\n{"id": "b"}\n')
    with pytest.raises(vagvisare.GuideError) as caught:
        vagvisare.GuideIndex.from_jsonl(bad)
    assert caught.value.line == 2
    assert caught.value.path is not None and caught.value.path.endswith("bad.jsonl")
    assert "bad.jsonl:2" in str(caught.value)

    with pytest.raises(vagvisare.StorageError) as missing:
        vagvisare.GuideIndex.from_jsonl(tmp_path / "missing.jsonl")
    assert isinstance(missing.value, OSError)


def test_on_disk_index_is_reopened(tmp_path: Path) -> None:
    directory = tmp_path / "idx"
    index = vagvisare.GuideIndex(directory)
    assert index.path == directory
    index.upsert(GUIDES)
    index.commit()
    before = [(s.id, s.score) for s in index.suggest("glömt lösenord")]
    del index

    reopened = vagvisare.GuideIndex(str(directory))
    assert len(reopened) == 3
    assert [(s.id, s.score) for s in reopened.suggest("glömt lösenord")] == before
    # Compounds of indexed words still split after reopening (the lexicon is rebuilt).
    assert reopened.suggest("lösenordsbyte")[0].id == "pw"
    assert "guides=3" in repr(reopened) and "idx" in repr(reopened)


def test_a_directory_that_is_not_an_index_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "meta.json").write_text("{}")
    with pytest.raises(vagvisare.StorageError):
        vagvisare.GuideIndex(tmp_path)
    (tmp_path / "vagvisare-index.json").write_text('{"version": 1}')
    with pytest.raises(vagvisare.StorageError, match="rebuild"):
        vagvisare.GuideIndex(tmp_path)


def test_synonyms_and_word_lists() -> None:
    index = vagvisare.GuideIndex()
    index.upsert(GUIDES)
    index.commit()
    assert "pw" not in ids(index.suggest("zqxkod"))
    index.set_synonyms("zqxkod => lösenord\n")
    assert index.suggest("zqxkod")[0].id == "pw"
    with pytest.raises(vagvisare.InputError):
        index.set_synonyms("=> nothing on the left\n")
    index.add_word_list("hämtningsdag\n")


def test_the_bundled_thesaurus_can_be_turned_off() -> None:
    index = vagvisare.GuideIndex(semantic_weight=0.0)
    index.upsert(
        [
            {"id": "form", "title": "Formulär för bygglov", "body": "Fyll i formuläret."},
            {"id": "park", "title": "Parkeringstillstånd", "body": "Ansök om tillstånd."},
        ]
    )
    index.commit()
    assert index.thesaurus is True
    # "blankett" is in no guide; the thesaurus has it as a synonym of "formulär".
    found = index.suggest("blankett till bygglov ")
    assert found[0].id == "form"
    assert any(m.query == "blankett" and m.kind == "synonym" for m in found[0].matched)
    index.thesaurus = False
    assert index.thesaurus is False
    found = index.suggest("blankett till bygglov ")
    assert not any(m.query == "blankett" for s in found for m in s.matched)


@pytest.mark.parametrize(
    "call",
    [
        lambda i: i.suggest(5),
        lambda i: i.suggest(b"bytes"),
        lambda i: i.suggest(None),
        lambda i: i.suggest("x", limit="5"),
        lambda i: i.suggest("x", limit=1.5),
        lambda i: i.suggest("x", limit=True),
        lambda i: i.suggest("x", categories=5),
        lambda i: i.suggest("x", audiences=[1, 2]),
        lambda i: i.upsert(5),
        lambda i: i.upsert("guides.jsonl"),
        lambda i: i.upsert({"id": "a", "title": "A"}),
        lambda i: i.upsert([5]),
        lambda i: i.upsert([{"id": 5, "title": "A"}]),
        lambda i: i.upsert([{"id": "a", "title": "A", "audiences": "utförare"}]),
        lambda i: i.upsert([{"id": "a", "title": "A", "keywords": [1]}]),
        lambda i: i.delete(5),
        lambda i: i.delete([None]),
        lambda i: i.get(5),
        lambda i: i.evaluate(5),
        lambda i: i.evaluate([{"query": 5, "relevant": ["a"]}]),
        lambda i: vagvisare.GuideIndex(5),
        lambda i: vagvisare.GuideIndex.from_jsonl(5),
        lambda i: vagvisare.evaluate(5, []),
    ],
)
def test_wrong_argument_types_are_type_errors(small: vagvisare.GuideIndex, call: Any) -> None:
    with pytest.raises(TypeError):
        call(small)


def test_bad_values_are_value_errors(small: vagvisare.GuideIndex) -> None:
    with pytest.raises(vagvisare.InputError, match="limit"):
        small.suggest("x", limit=-1)
    with pytest.raises(vagvisare.InputError, match="limit"):
        small.suggest("x", limit=-(10**40))
    with pytest.raises(vagvisare.InputError, match="relevant"):
        small.evaluate([{"query": "x", "relevant": []}])
    with pytest.raises(vagvisare.InputError, match="engine"):
        vagvisare.evaluate(GUIDES, [{"query": "x", "relevant": ["pw"]}], engine="bm25")


def test_evaluation_matches_between_index_and_function(small: vagvisare.GuideIndex) -> None:
    queries = [
        {"query": "glömt lösenordet", "relevant": ["pw"], "kind": "inflection"},
        {"query": "skrivarn", "relevant": ["printer"], "kind": "typo"},
        {"query": "soptunnan töms inte", "relevant": ["bins"]},
    ]
    report = small.evaluate(queries, seed=7)
    assert report.queries == 3
    assert report.recall_at_5 == 1.0
    for figure in ("recall_at_1", "mrr_at_10", "recall_at_5_typed_50", "typed_share_to_top_5"):
        assert 0.0 <= getattr(report, figure) <= 1.0
    assert set(report.by_kind) == {"inflection", "typo"}
    assert report.to_dict()["queries"] == 3
    same = vagvisare.evaluate(GUIDES, queries, seed=7)
    assert same.to_dict() == report.to_dict()
    baseline = vagvisare.evaluate(GUIDES, queries, engine="baseline", seed=7)
    assert baseline.queries == 3 and baseline.to_dict() != report.to_dict()
    assert "recall_at_5=1.000" in repr(report)


def test_bundled_guides(bundled: vagvisare.GuideIndex) -> None:
    assert len(bundled) > 100
    assert bundled.path is None
    assert repr(bundled) == f"GuideIndex(guides={len(bundled)})"
    assert bundled.suggest("glömt lösen")


QUERIES_SAMPLE = 40


def _sample_queries(tmp_path: Path) -> Path:
    lines: list[str] = []
    for f in sorted((ROOT / "data" / "eval").glob("*.jsonl")):
        lines += [l for l in f.read_text().splitlines() if l.strip()][:10]
    out = tmp_path / "queries.jsonl"
    out.write_text("\n".join(lines[:QUERIES_SAMPLE]) + "\n")
    return out


@pytest.mark.skipif(cli_binary() is None, reason="the vagvisare CLI is not built (run-tests.sh builds it)")
def test_same_figures_and_suggestions_as_the_cli(tmp_path: Path) -> None:
    cli = cli_binary()
    assert cli is not None
    queries = _sample_queries(tmp_path)
    guides = ROOT / "data" / "guides"
    out = subprocess.run(
        [cli, "eval", "--guides", str(guides), "--queries", str(queries), "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    from_cli = json.loads(out)
    from_python = vagvisare.evaluate(guides, queries).to_dict()
    assert from_python == from_cli

    texts = [json.loads(l)["query"] for l in queries.read_text().splitlines()]
    out = subprocess.run(
        [cli, "suggest", "--guides", str(guides), "--stdin", "--format", "jsonl", "--limit", "5"],
        input="\n".join(texts) + "\n",
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    index = vagvisare.GuideIndex.from_jsonl(guides)
    for text, line in zip(texts, out.splitlines()):
        cli_list = json.loads(line)["suggestions"]
        ours = index.suggest(text, limit=5)
        assert [s["id"] for s in cli_list] == [s.id for s in ours], text
        for c, s in zip(cli_list, ours):
            assert c["score"] == pytest.approx(s.score, rel=1e-6)
            assert c["matched"] == s.to_dict()["matched"]
            assert c["snippet"]["text"] == s.snippet.text


def test_upsert_refuses_what_a_json_lines_file_refuses() -> None:
    # Issue 21.7: one validation for every entry point. A JSON Lines file refuses null texts
    # and a title with nothing visible in it; so does upsert.
    index = vagvisare.GuideIndex()
    for bad in (
        {"id": "a", "title": "T", "body": None},
        {"id": "a", "title": "T", "category": None},
        {"id": "a", "title": "\u200b\u200d"},
    ):
        with pytest.raises(vagvisare.InputError):
            index.upsert([bad])
    index.upsert([{"id": "a", "title": "T"}])  # body and category may be left out, as in a file
    index.commit()
    assert len(index) == 1
