# mypy: disable-error-code="import-untyped"
"""The Django application ``vagvisare.django`` (label ``vagvisare``)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class VagvisareConfig(AppConfig):
    """Registers the settings check; the index itself opens on first use."""

    name = "vagvisare.django"
    label = "vagvisare"
    verbose_name = "Vägvisare"

    def ready(self) -> None:
        checks.register(check_settings)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check`` (and every management command) refuses a bad ``VAGVISARE`` setting."""
    from .conf import config

    try:
        config()
    except ImproperlyConfigured as e:
        return [checks.Error(str(e), id="vagvisare.E001")]
    return []
