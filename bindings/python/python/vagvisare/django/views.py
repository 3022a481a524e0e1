# mypy: disable-error-code="import-untyped"
"""``api/suggest`` and ``api/feedback``: the service's ``/api/suggest`` and ``/api/feedback`` in
Django, answering the same JSON, so the drop-in widget works against either unchanged.

Bad input answers ``{"error": {"code", "status", "message"}}`` with a 4xx status, as the
service does; text as typed never causes an error. Nothing here logs typed text: an unexpected
failure is logged with its type and stack only, and answered as a JSON 500.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from functools import wraps
from typing import Any, Optional, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured, RequestDataTooBig
from django.http import HttpRequest, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt

import vagvisare

from .conf import actor_key, config, get_index, write_lock

logger = logging.getLogger("vagvisare.django")

_WHOLE = re.compile(r"\+?[0-9]+\Z")


class Refused(Exception):
    """A request answered with an error: ``code`` and HTTP ``status`` from the service's table."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


def error(code: str, status: int, message: str) -> JsonResponse:
    """The service's error answer."""
    return JsonResponse({"error": {"code": code, "status": status, "message": message}}, status=status)


View = TypeVar("View", bound=Callable[..., JsonResponse])


def api(*methods: str) -> Callable[[View], View]:
    """A JSON route: other methods answer 405 in JSON; ``Refused`` answers its error; a failure
    of the index or the setup is logged without the request's text and answered in JSON."""

    def wrap(view: View) -> View:
        @wraps(view)
        def run(request: HttpRequest) -> JsonResponse:
            if request.method not in methods:
                answer = error("method_not_allowed", 405, "the route exists, but not for this method")
                answer["Allow"] = ", ".join(methods)
                return answer
            try:
                return view(request)
            except Refused as refused:
                return error(refused.code, refused.status, refused.message)
            except ImproperlyConfigured as e:
                logger.error("vagvisare.django: %s", e)
                return error("internal", 500, "the guide index is not configured; the log says more")
            except vagvisare.StorageError as e:
                logger.error("vagvisare.django: the guide index cannot be used: %s", e)
                return error("storage_unavailable", 503, "the guide index cannot be used now; try again")
            except Exception as e:  # noqa: BLE001 - answered in JSON, logged without the text
                stack = "".join(traceback.format_tb(e.__traceback__))
                logger.error("vagvisare.django: %s in %s\n%s", type(e).__name__, view.__name__, stack)
                return error("internal", 500, "a bug; the log says more")

        return cast(View, run)

    return wrap


def _lenient(text: str) -> str:
    """``text`` with lone surrogates (possible in JSON) replaced, as the service decodes."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _first(query: QueryDict, name: str) -> Optional[str]:
    values = query.getlist(name)
    return values[0] if values else None


def _filled(values: list[str]) -> list[str]:
    return [_lenient(v) for v in values if v.strip()]


def _read_json(request: HttpRequest) -> Mapping[str, Any]:
    kind = request.content_type.strip().lower()
    if not (kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))):
        raise Refused("unsupported_media_type", 415, "send the body as JSON with `Content-Type: application/json`")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise Refused("payload_too_large", 413, "the body is over the site's limit (DATA_UPLOAD_MAX_MEMORY_SIZE)") from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise Refused("invalid_json", 400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused("invalid_json", 400, "the body must be a JSON object")
    return body


def _fields(body: Mapping[str, Any], known: tuple[str, ...]) -> None:
    unknown = [k for k in body if k not in known]
    if unknown:
        raise Refused("invalid_json", 400, f"unknown field `{_lenient(unknown[0])[:60]}`; the fields are {', '.join(known)}")


def _string(body: Mapping[str, Any], name: str, default: Optional[str]) -> Optional[str]:
    value = body.get(name, default)
    if value is None or isinstance(value, str):
        return value if value is None else _lenient(value)
    raise Refused("invalid_json", 400, f"`{name}` must be a string")


def _flag(body: Mapping[str, Any], name: str, default: Optional[bool]) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        if value is None and default is None:
            raise Refused("invalid_json", 400, f"`{name}` (true or false) is missing")
        raise Refused("invalid_json", 400, f"`{name}` must be true or false")
    return value


def _count(body: Mapping[str, Any], name: str) -> Optional[int]:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        raise Refused("invalid_json", 400, f"`{name}` must be a whole number from 0, or null")
    return value


def _strings(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Refused("invalid_json", 400, f"`{name}` must be a list of strings")
    return _filled(value)


def _semantic(given: Any) -> Optional[float]:
    """A semantic weight from a request: ``None`` (the index's), ``off``, or a number 0 to 1."""
    if given is None:
        return None
    if given in ("off", "false"):
        return 0.0
    try:
        weight = float(given) if not isinstance(given, bool) else None
    except (TypeError, ValueError):
        weight = None
    if weight is None or not 0.0 <= weight <= 1.0:
        raise Refused("bad_request", 400, "`semantic` must be a number from 0 (off) to 1, or `off`")
    return weight


@csrf_exempt  # it changes nothing: the POST form is only for texts too long for a URL
@api("GET", "POST")
def suggest(request: HttpRequest) -> JsonResponse:
    """``GET api/suggest?q=…&limit=…&category=…&audience=…&semantic=…`` (``category`` and
    ``audience`` repeatable), or ``POST`` ``{"q", "limit", "category": [], "audience": [],
    "semantic"}``: ``{"suggestions": [...], "query_truncated": bool}``, each suggestion as
    ``Suggestion.to_dict()``. Only a ``limit`` that is not a whole number, or a ``semantic``
    weight that is not a number from 0 to 1 (``off``: 0), is refused (400); other limits are
    brought into 1 to ``MAX_SUGGESTIONS``."""
    if request.method == "GET":
        text = _first(request.GET, "q") or ""
        given = (_first(request.GET, "limit") or "").strip()
        limit: Optional[int] = None
        if given:
            if not _WHOLE.match(given):
                raise Refused("bad_request", 400, "`limit` must be a whole number from 1 to the site's maximum")
            try:
                limit = int(given)
            except ValueError:  # more digits than int() reads
                raise Refused("bad_request", 400, "`limit` must be a whole number from 1 to the site's maximum") from None
        categories = _filled(request.GET.getlist("category"))
        audiences = _filled(request.GET.getlist("audience"))
        semantic = _semantic((_first(request.GET, "semantic") or "").strip() or None)
    else:
        body = _read_json(request)
        _fields(body, ("q", "limit", "category", "audience", "semantic"))
        text = _string(body, "q", "") or ""
        limit = _count(body, "limit")
        categories = _strings(body, "category")
        audiences = _strings(body, "audience")
        semantic = _semantic(body.get("semantic"))
    found = config()
    limit = found.suggest_limit if limit is None else min(max(limit, 1), found.max_suggestions)
    text = _lenient(text)
    # The library cuts text beyond MAX_QUERY_BYTES itself; the answer says it did.
    most = vagvisare.MAX_QUERY_BYTES
    truncated = len(text) > most // 4 and len(text.encode("utf-8")) > most
    suggestions = get_index().suggest(
        text, limit=limit, categories=categories or None, audiences=audiences or None, semantic=semantic
    )
    return JsonResponse(
        {"suggestions": [s.to_dict() for s in suggestions], "query_truncated": truncated},
        json_dumps_params={"ensure_ascii": False},
    )


@api("POST")
def feedback(request: HttpRequest) -> JsonResponse:
    """``POST api/feedback`` ``{"q", "guide", "helped", "rank", "filed_anyway", "case_number"}``
    (only ``helped`` is required): the answer to "Fick du hjälp?", recorded with
    ``GuideIndex.feedback`` (the library redacts the text before keeping it) and committed. The
    actor is the logged-in user's ``actor_key``, none for an anonymous one (whose "Ja" counts
    toward nothing). Answers 201 ``{"recorded": true}`` (the service answers its stored row's
    ``{"id"}``; the index has no row ids); a guide the index does not
    hold is ``guide_not_found`` (404). ``case_number`` is accepted as the widget may send it,
    but not kept: the index records no case numbers. Protected by Django's CSRF check (the
    template tag passes the token to the widget)."""
    body = _read_json(request)
    _fields(body, ("q", "guide", "helped", "rank", "filed_anyway", "case_number"))
    text = _string(body, "q", "") or ""
    guide = _string(body, "guide", None)
    helped = _flag(body, "helped", None)
    rank = _count(body, "rank")
    filed_anyway = _flag(body, "filed_anyway", False)
    _string(body, "case_number", None)
    index = get_index()
    if guide is not None and index.get(guide) is None:
        raise Refused("guide_not_found", 404, "the feedback names a guide that is not indexed")
    actor = actor_key(getattr(request, "user", None))
    with write_lock:
        try:
            index.feedback(
                text,
                guide,
                helped=helped,
                rank=rank,
                filed_anyway=filed_anyway,
                at=datetime.now(timezone.utc),
                actor=actor,
            )
        except vagvisare.InputError as e:  # the library's rules for a record (a rank counts from 1)
            raise Refused("bad_request", 400, str(e)) from None
        index.commit()
    return JsonResponse({"recorded": True}, status=201)
