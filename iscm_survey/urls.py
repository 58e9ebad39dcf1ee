from django.contrib import admin
from django.urls import include, path

from questionnaires.language import language_set
from questionnaires.views.focal_point import home

from . import health

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("", include("api.urls")),
    path("", include("analytics.urls")),
    path("", include("practices.urls")),
    path("", include("questionnaires.urls")),
]
