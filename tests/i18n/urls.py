"""The project's URLs with `language_set` at /i18n/setlang/ (as iscm_survey/urls.py will have it) and a
probe page that says which language a request was served in."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import translation

from iscm_survey.urls import urlpatterns as project_urlpatterns
from questionnaires.language import language_set


def language_probe(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"active": translation.get_language(), "request": request.LANGUAGE_CODE})


urlpatterns = [
    path("i18n/setlang/", language_set, name="set_language"),
    path("language-probe/", language_probe, name="language_probe"),
    *[pattern for pattern in project_urlpatterns if str(pattern.pattern) != "i18n/"],
]
