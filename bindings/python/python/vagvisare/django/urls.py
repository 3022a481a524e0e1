# mypy: disable-error-code="import-untyped"
"""``path("vagvisare/", include("vagvisare.django.urls"))`` answers ``vagvisare/api/suggest``
and ``vagvisare/api/feedback``; the template tag finds them by name (namespace ``vagvisare``)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "vagvisare"

urlpatterns = [
    path("api/suggest", views.suggest, name="suggest"),
    path("api/feedback", views.feedback, name="feedback"),
]
