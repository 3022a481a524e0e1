# mypy: disable-error-code="import-untyped"
"""``vagvisare.django``: "Möjliga lösningar" in a Django site.

Add ``"vagvisare.django"`` to ``INSTALLED_APPS``, include ``vagvisare.django.urls`` (it answers
``api/suggest`` and ``api/feedback`` in the shapes of the service's ``/api/suggest`` and
``/api/feedback``, so the drop-in widget works against it unchanged), set ``VAGVISARE`` in the
settings, and render a form field with ``{% load vagvisare %}{% vagvisare_widget form.description
audience="invånare" %}``::

    VAGVISARE = {
        "INDEX_PATH": "/var/lib/portal/guides",  # a GuideIndex directory (or None) ...
        "BUNDLED_GUIDES": False,                 # ... or True: the bundled guides, in memory
        "SUGGEST_LIMIT": 5,                      # suggestions when the request names no limit
        "MAX_SUGGESTIONS": 20,                   # the most a request may ask for
    }

The index is opened once per process, on first use (``get_index()``), and shared by all
threads. Typed text is never logged.
"""

from __future__ import annotations

from .conf import Config, actor_key, config, get_index, reset_index

__all__ = ["Config", "actor_key", "config", "get_index", "reset_index"]
