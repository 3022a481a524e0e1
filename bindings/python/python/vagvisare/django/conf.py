# mypy: disable-error-code="import-untyped"
"""The ``VAGVISARE`` setting, the process's guide index and the feedback actor key."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from django import conf as _django_conf
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.crypto import salted_hmac

import vagvisare

#: The keys of ``settings.VAGVISARE`` and their defaults.
DEFAULTS: dict[str, Any] = {
    "INDEX_PATH": None,
    "BUNDLED_GUIDES": False,
    "SUGGEST_LIMIT": 5,
    "MAX_SUGGESTIONS": 20,
}


@dataclass(frozen=True)
class Config:
    """``settings.VAGVISARE``, checked."""

    #: A ``GuideIndex`` directory (opened, or created empty), or ``None``.
    index_path: Optional[str]
    #: The guides bundled with Vägvisare, indexed in memory (instead of ``index_path``).
    bundled_guides: bool
    #: Suggestions answered when a request names no ``limit``.
    suggest_limit: int
    #: The most suggestions a request may ask for (a larger ``limit`` is lowered to it).
    max_suggestions: int


def _whole(name: str, value: Any, low: int, high: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        upto = f" to {high}" if high is not None else " or more"
        raise ImproperlyConfigured(f"settings.VAGVISARE[{name!r}] must be a whole number from {low}{upto}, not {value!r}")
    return value


def config() -> Config:
    """``settings.VAGVISARE`` checked: an unknown key, a value of the wrong type, or neither (or
    both) of ``INDEX_PATH`` and ``BUNDLED_GUIDES`` raise ``ImproperlyConfigured``."""
    given = getattr(_django_conf.settings, "VAGVISARE", {})
    if not isinstance(given, Mapping):
        raise ImproperlyConfigured("settings.VAGVISARE must be a dict, for example {'BUNDLED_GUIDES': True}")
    unknown = sorted(str(k) for k in given if k not in DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"settings.VAGVISARE has the unknown key {unknown[0]!r}; the keys are {', '.join(DEFAULTS)}"
        )
    values = {**DEFAULTS, **given}
    path = values["INDEX_PATH"]
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise ImproperlyConfigured(f"settings.VAGVISARE['INDEX_PATH'] must be a path (str) or None, not {path!r}")
    bundled = values["BUNDLED_GUIDES"]
    if not isinstance(bundled, bool):
        raise ImproperlyConfigured(f"settings.VAGVISARE['BUNDLED_GUIDES'] must be True or False, not {bundled!r}")
    if path is None and not bundled:
        raise ImproperlyConfigured(
            "settings.VAGVISARE needs 'INDEX_PATH' (a guide index directory) or 'BUNDLED_GUIDES': True"
        )
    if path is not None and bundled:
        raise ImproperlyConfigured(
            "settings.VAGVISARE sets both 'INDEX_PATH' and 'BUNDLED_GUIDES': the bundled guides are an "
            "index in memory of their own; set 'BUNDLED_GUIDES': False to use the directory"
        )
    most = _whole("MAX_SUGGESTIONS", values["MAX_SUGGESTIONS"], 1)
    return Config(
        index_path=None if path is None else os.fspath(path),
        bundled_guides=bundled,
        suggest_limit=_whole("SUGGEST_LIMIT", values["SUGGEST_LIMIT"], 1, most),
        max_suggestions=most,
    )


_lock = threading.Lock()
_index: Optional[vagvisare.GuideIndex] = None

#: Held while feedback is recorded and committed, so that answers are committed one at a time.
write_lock = threading.Lock()


def get_index() -> vagvisare.GuideIndex:
    """The process's guide index, opened on first use from ``settings.VAGVISARE`` and then shared
    by every thread (``GuideIndex`` is thread-safe). Use it to upsert guides as well.

    Raises ``ImproperlyConfigured`` for a bad setting and ``vagvisare.StorageError`` for an index
    directory that cannot be opened (another process holds it, or another format)."""
    global _index
    index = _index
    if index is None:
        with _lock:
            index = _index
            if index is None:
                index = _open(config())
                _index = index
    return index


def _open(found: Config) -> vagvisare.GuideIndex:
    if found.index_path is not None:
        return vagvisare.GuideIndex(found.index_path)
    return vagvisare.GuideIndex.bundled()


def reset_index() -> None:
    """Forgets the process's index (the next ``get_index()`` opens it again); done when a test
    changes ``settings.VAGVISARE``."""
    global _index
    with _lock:
        _index = None


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "VAGVISARE":
        reset_index()


setting_changed.connect(_on_setting_changed, dispatch_uid="vagvisare.django.reset_index")


def actor_key(user: Any) -> Optional[str]:
    """The opaque feedback key of a logged-in user: 128 bits (32 hexadecimal digits) of an
    HMAC-SHA256 of the user's primary key under Django's ``SECRET_KEY``, so one person counts
    once without the id being kept. ``None`` for an anonymous user (or none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    mac = salted_hmac("vagvisare.django.feedback-actor", str(user.pk), algorithm="sha256")
    return mac.hexdigest()[:32]
