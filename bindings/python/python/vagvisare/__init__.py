"""Vägvisare: Swedish guide suggestions while a person types, and the case (ärende) model.

    >>> import vagvisare
    >>> index = vagvisare.GuideIndex.bundled()
    >>> [s.id for s in index.suggest("glömt lösen", limit=3)]  # doctest: +SKIP

``GuideIndex`` suggests help guides ("Möjliga lösningar") for text as typed, tolerant of Swedish
inflection, compounds, missing å/ä/ö, typos and the half-typed last word. ``Case`` models the
cases filed when no guide helped: workflows, commands, history, due dates in Swedish working
days, access, views, JSON records. All errors are ``vagvisare.Error``s.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

from ._errors import (
    CaseNumberError,
    CommandRefusedError,
    Error,
    GuideError,
    InputError,
    NoAccessError,
    RecordError,
    StorageError,
    TransitionNotAllowedError,
    WorkflowError,
)
from ._vagvisare import (
    MAX_QUERY_BYTES,
    Actor,
    Approval,
    Attachment,
    Calendar,
    Case,
    CaseNumberSeries,
    CaseRules,
    CaseSummary,
    DeflectionRecord,
    Due,
    EvalReport,
    Event,
    Form,
    GuideIndex,
    HistoryRow,
    Match,
    Message,
    MyCases,
    Overview,
    Person,
    Snippet,
    Stamp,
    Suggestion,
    Workflow,
    contains_personal_data,
    evaluate,
    holiday,
    holidays,
    my_cases,
    redact,
)

try:
    __version__ = _version("vagvisare")
except PackageNotFoundError:  # pragma: no cover - only when not installed
    __version__ = "0+unknown"

__all__ = [
    "MAX_QUERY_BYTES",
    "Actor",
    "Approval",
    "Attachment",
    "Calendar",
    "Case",
    "CaseNumberError",
    "CaseNumberSeries",
    "CaseRules",
    "CaseSummary",
    "CommandRefusedError",
    "DeflectionRecord",
    "Due",
    "Error",
    "EvalReport",
    "Event",
    "Form",
    "GuideError",
    "GuideIndex",
    "HistoryRow",
    "InputError",
    "Match",
    "Message",
    "MyCases",
    "NoAccessError",
    "Overview",
    "Person",
    "RecordError",
    "Snippet",
    "Stamp",
    "StorageError",
    "Suggestion",
    "TransitionNotAllowedError",
    "Workflow",
    "WorkflowError",
    "__version__",
    "contains_personal_data",
    "evaluate",
    "holiday",
    "holidays",
    "my_cases",
    "redact",
]
