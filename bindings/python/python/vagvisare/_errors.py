"""The exceptions of Vägvisare, declared once; the native module raises them.

Every exception the library raises for its own reasons is a ``vagvisare.Error``. Input that
cannot be used and commands that are refused are also ``ValueError``s; an index or file that
cannot be read or written is also an ``OSError``. A wrong argument type is a plain ``TypeError``.
"""

from __future__ import annotations

from typing import List, Optional

__all__ = [
    "Error",
    "InputError",
    "GuideError",
    "WorkflowError",
    "RecordError",
    "CaseNumberError",
    "CommandRefusedError",
    "TransitionNotAllowedError",
    "NoAccessError",
    "StorageError",
]


class Error(Exception):
    """Base class of every error Vägvisare raises."""


class InputError(Error, ValueError):
    """Input that cannot be used: a bad value, a naive datetime, an unknown role, ..."""


class GuideError(InputError):
    """A guide, or a line of a guide file, that is not valid; nothing of its batch was used.

    ``guide_id``, ``line`` and ``path`` say where, when known.
    """

    guide_id: Optional[str] = None
    line: Optional[int] = None
    path: Optional[str] = None


class WorkflowError(InputError):
    """A workflow definition that is refused (unknown or unreachable status, dead end, ...)."""


class RecordError(InputError):
    """A stored case record or event that cannot be read (another format version, bad JSON)."""


class CaseNumberError(InputError):
    """Text that is not a case number, or a case number series with no numbers left."""


class CommandRefusedError(Error, ValueError):
    """A case command that was refused; the case is unchanged.

    ``code`` names the reason (``transition_not_allowed``, ``no_access``,
    ``attachment_too_large``, ``empty_message``, ``not_an_approver``, ``already_decided``,
    ``approvals_pending``, ``requester_as_approver``, ``no_approvals_in_workflow``,
    ``already_shared``, ``date_out_of_range``, ``event_out_of_order``).
    """

    code: str = ""
    command: Optional[str] = None
    missing: Optional[List[str]] = None


class TransitionNotAllowedError(CommandRefusedError):
    """The workflow has no transition for ``command`` from ``status`` for ``role``."""

    status: str = ""
    role: str = ""


class NoAccessError(CommandRefusedError):
    """The actor (``actor``, an id) has no part in the case that lets them run ``command``."""

    actor: str = ""


class StorageError(Error, OSError):
    """An index directory or file that cannot be read or written (or is not an index, or of an
    incompatible format version: the message says how to rebuild it)."""
