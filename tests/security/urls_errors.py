"""A test-only URL configuration: the application's URLs plus views that fail on purpose."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from iscm_survey.urls import urlpatterns as app_urlpatterns


def explode(request):
    raise RuntimeError("secret internal detail: database password is hunter2")


def forbidden(request):
    raise PermissionDenied("secret reason for the refusal")


urlpatterns = [
    path("test-errors/500/", explode, name="test_500"),
    path("test-errors/403/", forbidden, name="test_403"),
    *app_urlpatterns,
]
