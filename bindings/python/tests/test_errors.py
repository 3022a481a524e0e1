"""The exception hierarchy: one base, ValueError for bad input and refusals, OSError for storage."""

from __future__ import annotations

import pytest

import vagvisare


@pytest.mark.parametrize(
    "cls",
    [
        vagvisare.InputError,
        vagvisare.GuideError,
        vagvisare.WorkflowError,
        vagvisare.RecordError,
        vagvisare.CaseNumberError,
        vagvisare.CommandRefusedError,
        vagvisare.TransitionNotAllowedError,
        vagvisare.NoAccessError,
    ],
)
def test_bad_input_and_refusals_are_value_errors(cls: type) -> None:
    assert issubclass(cls, vagvisare.Error)
    assert issubclass(cls, ValueError)
    assert not issubclass(cls, OSError)


def test_the_tree() -> None:
    assert issubclass(vagvisare.Error, Exception)
    assert issubclass(vagvisare.StorageError, vagvisare.Error)
    assert issubclass(vagvisare.StorageError, OSError)
    assert not issubclass(vagvisare.StorageError, ValueError)
    for cls in (vagvisare.GuideError, vagvisare.WorkflowError, vagvisare.RecordError, vagvisare.CaseNumberError):
        assert issubclass(cls, vagvisare.InputError)
    for cls in (vagvisare.TransitionNotAllowedError, vagvisare.NoAccessError):
        assert issubclass(cls, vagvisare.CommandRefusedError)
    assert not issubclass(vagvisare.CommandRefusedError, vagvisare.InputError)
    # TypeError for a wrong argument type is the built-in one, not ours.
    assert not issubclass(TypeError, vagvisare.Error)


def test_one_except_clause_catches_everything_of_ours() -> None:
    caught = []
    for action in (
        lambda: vagvisare.Actor("a", "A", "boss"),
        lambda: vagvisare.GuideIndex().upsert([{"id": "x"}]),
        lambda: vagvisare.Workflow.from_toml("not toml ["),
        lambda: vagvisare.GuideIndex.from_jsonl("/nonexistent/guides.jsonl"),
    ):
        with pytest.raises(vagvisare.Error) as info:
            action()
        caught.append(type(info.value).__name__)
    assert caught == ["InputError", "GuideError", "WorkflowError", "StorageError"]


def test_every_public_name_is_documented() -> None:
    for name in vagvisare.__all__:
        obj = getattr(vagvisare, name)
        if name == "__version__":
            assert isinstance(obj, str) and obj
            continue
        assert obj.__doc__ and obj.__doc__.strip(), name
    for cls in (vagvisare.GuideIndex, vagvisare.Case, vagvisare.Suggestion):
        for attr, value in vars(cls).items():
            if not attr.startswith("_"):
                assert getattr(value, "__doc__", None), f"{cls.__name__}.{attr}"
