"""Learning from use through Python: feedback teaches guides, guard rails, editing, the report."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import vagvisare
from conftest import GUIDES


def fresh() -> vagvisare.GuideIndex:
    index = vagvisare.GuideIndex()
    index.upsert(GUIDES)
    index.commit()
    return index


def top(index: vagvisare.GuideIndex, text: str) -> str | None:
    # Learning is measured by words alone (the semantic stage finds some guides untaught).
    found = index.suggest(text, semantic=0)
    return found[0].id if found else None


def test_helped_feedback_teaches_the_guide_and_is_explained_as_learned() -> None:
    index = fresh()
    assert top(index, "kopiatorn hackar") != "printer"
    index.feedback("kopiatorn hackar", "printer", helped=True, rank=2, actor="a1")
    index.commit()
    assert top(index, "kopiatorn hackar") != "printer", "one person alone teaches nothing"
    changed = index.feedback("kopiatorn hackar", "printer", helped=True, rank=1, actor="a2")
    assert changed == 1
    index.commit()
    best = index.suggest("kopiatorn hackar")[0]
    assert best.id == "printer"
    learned = [m for m in best.matched if m.kind == "learned"]
    assert learned and all(m.learned_text == "kopiatorn hackar" for m in learned)
    assert all(m.learned_text is None for m in best.matched if m.kind != "learned")
    # Half-typed text finds it too.
    assert top(index, "kopiat") == "printer"
    learned = index.learned("printer")
    assert [t["text"] for t in learned] == ["kopiatorn hackar"]
    assert learned[0]["active"] is True and learned[0]["actors"] == 2
    assert learned[0]["trusted"] is False


def test_a_trusted_import_counts_at_once() -> None:
    index = fresh()
    assert index.feedback("kopiatorn hackar", "printer", helped=True, trusted=True) == 1
    index.feedback_many([{"query": "skrivarn tuggar", "guide": "printer", "helped": True}], trusted=True)
    index.commit()
    assert top(index, "kopiatorn hackar") == "printer"
    assert top(index, "skrivarn tuggar") == "printer"
    assert all(t["trusted"] and t["active"] for t in index.learned("printer"))


def test_no_and_filed_anyway_teach_nothing_and_unknown_guides_are_refused() -> None:
    index = fresh()
    assert index.feedback("kopiatorn hackar", "printer", helped=False) == 0
    assert index.feedback("kopiatorn hackar", "printer", helped=True, filed_anyway=True) == 0
    index.commit()
    assert index.learned("printer") == []
    with pytest.raises(vagvisare.InputError, match="no-such-guide"):
        index.feedback("x", "no-such-guide", helped=True)
    # A batch with one unknown guide records nothing.
    with pytest.raises(vagvisare.InputError):
        index.feedback_many(
            [
                {"query": "kopiatorn", "guide": "printer", "helped": True},
                {"query": "x", "guide": "gone", "helped": True},
            ]
        )
    index.commit()
    assert index.learned("printer") == []


def test_personal_data_is_redacted_before_it_is_kept() -> None:
    index = fresh()
    index.feedback(
        "glömt lösen 19810105-2382 ring 070-123 45 67 anna@example.se",
        "pw",
        helped=True,
        trusted=True,
    )
    index.commit()
    texts = " ".join(t["text"] for t in index.learned("pw"))
    for secret in ("2382", "19810105", "070", "45 67", "anna", "example"):
        assert secret not in texts, texts
    assert "glömt lösen" in texts


def test_one_actor_counts_once_and_two_are_needed_by_default() -> None:
    index = fresh()
    for _ in range(5):
        index.feedback("kopiatorn hackar", "printer", helped=True, actor="same")
    index.commit()
    assert index.learned("printer")[0]["actors"] == 1
    assert index.learned("printer")[0]["active"] is False
    assert top(index, "kopiatorn hackar") != "printer"
    index.feedback("kopiatorn hackar", "printer", helped=True, actor="other")
    index.commit()
    assert index.learned("printer")[0]["active"] is True
    assert top(index, "kopiatorn hackar") == "printer"


def test_editors_remove_and_freeze_learned_texts() -> None:
    index = fresh()
    index.feedback("kopiatorn hackar", "printer", helped=True, trusted=True)
    index.commit()
    index.remove_learned("printer", "kopiatorn hackar")
    index.commit()
    assert index.learned("printer") == []
    assert top(index, "kopiatorn hackar") != "printer"
    with pytest.raises(vagvisare.InputError):
        index.remove_learned("printer", "never learned")
    index.freeze_learned("printer")
    assert index.feedback("kopiatorn hackar", "printer", helped=True, trusted=True) == 0
    index.freeze_learned("printer", frozen=False)
    assert index.feedback("kopiatorn hackar", "printer", helped=True, trusted=True) == 1


def test_old_feedback_fades() -> None:
    index = fresh()
    index.set_learn_policy(half_life_days=30)
    long_ago = datetime.now(timezone.utc) - timedelta(days=365)
    index.feedback("kopiatorn hackar", "printer", helped=True, at=long_ago, trusted=True)
    index.commit()
    assert index.learned("printer")[0]["active"] is False
    assert top(index, "kopiatorn hackar") != "printer"


def test_learned_texts_survive_a_reopen(tmp_path: Path) -> None:
    index = vagvisare.GuideIndex(tmp_path / "idx")
    index.upsert(GUIDES)
    index.commit()
    index.feedback("kopiatorn hackar", "printer", helped=True, trusted=True)
    index.commit()
    del index
    again = vagvisare.GuideIndex(tmp_path / "idx")
    assert top(again, "kopiatorn hackar") == "printer"
    assert [t["text"] for t in again.learned("printer")] == ["kopiatorn hackar"]


def test_the_report_counts_answers_and_lists_content_gaps() -> None:
    index = fresh()
    now = datetime(2026, 11, 25, 10, tzinfo=timezone.utc)
    index.feedback_many(
        [
            {"query": "glömt lösen", "guide": "pw", "helped": True, "rank": 1, "at": now},
            {"query": "parkeringstillstånd", "helped": False, "filed_anyway": True, "at": now},
            {"query": "parkeringstillstånd", "helped": False, "filed_anyway": True, "at": now},
        ]
    )
    report = index.feedback_report(gaps=5)
    assert report["answers"] == 3 and report["helped"] == 1
    assert report["gaps"][0]["text"] == "parkeringstillstånd"
    assert report["gaps"][0]["count"] == 2
    assert [g["guide"] for g in report["guides"]] == ["pw"]
    assert report["weeks"] and report["weeks"][0]["monday"] == "2026-11-23"


def test_bad_feedback_values_raise_clear_errors() -> None:
    index = fresh()
    with pytest.raises(TypeError, match="helped"):
        index.feedback("x", "pw", helped="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="query"):
        index.feedback(42, "pw", helped=True)  # type: ignore[arg-type]
    with pytest.raises(vagvisare.InputError, match="rank"):
        index.feedback("x", "pw", helped=True, rank=0)
    with pytest.raises(vagvisare.InputError, match="naive"):
        index.feedback("x", "pw", helped=True, at=datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="iterable of feedback dicts"):
        index.feedback_many({"query": "x", "helped": True})  # type: ignore[arg-type]
    with pytest.raises(vagvisare.InputError, match="needs"):
        index.feedback_many([{"query": "x"}])
    with pytest.raises(vagvisare.InputError, match="half_life_days"):
        index.set_learn_policy(half_life_days=0)
    with pytest.raises(vagvisare.InputError):
        index.feedback_report(gaps=-1)
    assert index.learned("printer") == []
