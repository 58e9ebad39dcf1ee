"""The project's URLs with the report's spliced into the "analytics" namespace, as analytics/urls.py will
have them (once it does, this is the project's urlconf unchanged)."""

from django.urls import include, path

from analytics import urls as analytics_urls
from analytics import urls_report
from iscm_survey import urls as project_urls

_names = {getattr(pattern, "name", None) for pattern in analytics_urls.urlpatterns}
if "report" in _names:
    urlpatterns = project_urls.urlpatterns
else:
    urlpatterns = [
        path("", include((analytics_urls.urlpatterns + urls_report.urlpatterns, "analytics"))),
        *[
            pattern
            for pattern in project_urls.urlpatterns
            if getattr(pattern, "urlconf_name", None) is not analytics_urls
        ],
    ]
