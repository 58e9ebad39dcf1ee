"""The last steps of a questionnaire version (included under the `questionnaires` namespace by
questionnaires/urls.py): translations side by side, the preview as a focal point, the publish check."""

from django.urls import path

from .views import authoring_publish

VERSION = "questionnaires/<slug:slug>/v<int:version>/"

urlpatterns = [
    path(VERSION + "translations/", authoring_publish.authoring_translations, name="authoring_translations"),
    path(VERSION + "preview/", authoring_publish.authoring_preview, name="authoring_preview"),
    path(VERSION + "publish/", authoring_publish.authoring_publish, name="authoring_publish"),
]
