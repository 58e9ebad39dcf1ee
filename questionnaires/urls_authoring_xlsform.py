"""Questionnaire files in and out (XLSForm, JSON); included under the `questionnaires` namespace."""

from django.urls import path, re_path

from .views import authoring_xlsform

urlpatterns = [
    path("questionnaires/import/", authoring_xlsform.authoring_import, name="authoring_import"),
    re_path(
        r"^questionnaires/(?P<slug>[-a-zA-Z0-9_]+)/v(?P<version>[0-9]{1,5})/export\.(?P<fmt>xlsx|json)$",
        authoring_xlsform.authoring_export,
        name="authoring_export",
    ),
]
