"""The practices library's CSV and XLSX downloads are exports: recorded in the activity log like the others."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from questionnaires.models import ActivityEvent

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_csv_and_xlsx_downloads_are_in_the_activity_log(library, coordinator, observer):
    csv = _client(coordinator).get(reverse("practices:export", args=["csv"]), {"gcm": "5", "q": "regularizacion"})
    b"".join(csv.streaming_content)  # logged once the stream ends
    _client(observer).get(reverse("practices:export", args=["xlsx"]), {"campaign": "survey-2023"})

    csv_event, xlsx_event = ActivityEvent.objects.filter(kind=ActivityEvent.Kind.EXPORT).order_by("at", "id")
    assert csv_event.actor == coordinator and csv_event.campaign is None
    assert csv_event.detail == "practices (csv), 1 rows, filters q=… gcm=5, via web"  # the words are not kept
    assert xlsx_event.actor == observer and xlsx_event.campaign == library.campaign_2023
    assert xlsx_event.detail == "practices (xlsx), 2 rows, filters campaign=survey-2023, via web"


def test_the_activity_page_lists_them(library, coordinator, admin_user):
    b"".join(_client(coordinator).get(reverse("practices:export", args=["csv"])).streaming_content)
    page = _client(admin_user).get(reverse("questionnaires:activity"), {"kind": "export"}).content.decode()
    assert "practices (csv), 4 rows, via web" in page
