# mypy: disable-error-code="import-untyped"
"""``{% load vagvisare %}{% vagvisare_widget form.description audience="invånare" %}``: the form
field, with "Möjliga lösningar" under it (the drop-in widget, ``static/vagvisare/vagvisare.js``,
asking this site's ``vagvisare.django.urls``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Optional, Union

from django import template
from django import conf as _django_conf
from django.forms import BoundField
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

register = template.Library()

_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def _joined(name: str, value: Union[None, str, Iterable[str]]) -> Optional[str]:
    if value is None or value == "":
        return None
    values = [value] if isinstance(value, str) else list(value)
    for v in values:
        if not isinstance(v, str) or "," in v:
            raise template.TemplateSyntaxError(f"vagvisare_widget: {name} takes strings without commas, not {v!r}")
    return ",".join(values)


def _header(meta_name: str) -> str:
    """``HTTP_X_CSRFTOKEN`` (``settings.CSRF_HEADER_NAME``) → ``X-CSRFTOKEN``."""
    name = meta_name[5:] if meta_name.startswith("HTTP_") else meta_name
    return name.replace("_", "-")


@register.simple_tag(takes_context=True)
def vagvisare_widget(
    context: template.Context,
    field: Any,
    audience: Union[None, str, Iterable[str]] = None,
    category: Union[None, str, Iterable[str]] = None,
    limit: Optional[int] = None,
    feedback: bool = True,
    heading: Optional[str] = None,
) -> SafeString:
    """Renders ``field`` (a bound form field) marked for the widget, the element the suggestions
    go into, and the scripts. ``audience`` and ``category`` filter the suggestions (a string or
    a list); ``limit`` is how many; ``feedback=False`` leaves out "Fick du hjälp?"; ``heading``
    replaces "Möjliga lösningar" ("" for none). The page needs the request's context (Django's
    ``render``) for the CSRF token the feedback call sends."""
    if not isinstance(field, BoundField):
        raise template.TemplateSyntaxError(f"vagvisare_widget needs a form field (form.<name>), not {field!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise template.TemplateSyntaxError(f"vagvisare_widget: limit must be a whole number from 1, not {limit!r}")
    list_id = "vagvisare-" + _NOT_ID.sub("-", field.html_name)
    suggest = reverse("vagvisare:suggest")
    attrs = {
        "data-vagvisare-django": "",
        "data-vagvisare-list": "#" + list_id,
        "data-vagvisare-base": suggest[: -len("/api/suggest")] if suggest.endswith("/api/suggest") else "",
        "data-vagvisare-audience": _joined("audience", audience),
        "data-vagvisare-category": _joined("category", category),
        "data-vagvisare-limit": None if limit is None else str(limit),
        "data-vagvisare-feedback": None if feedback else "false",
        "data-vagvisare-heading": heading,
        "data-vagvisare-csrf": str(context.get("csrf_token") or "") or None,
        "data-vagvisare-csrf-header": _header(_django_conf.settings.CSRF_HEADER_NAME),
    }
    field_html = field.as_widget(attrs={k: v for k, v in attrs.items() if v is not None})
    return render_to_string("vagvisare/widget.html", {"field_html": field_html, "list_id": list_id})
