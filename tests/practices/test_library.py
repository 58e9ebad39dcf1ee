"""The /practices/ library: search in four languages, filters, who sees what, exports, the chart, and a
fixed number of queries per page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from practices.services import PracticeData, practices_create_from_answer
from tests import factories

LIBRARY = "/practices/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {practice.iscm.acronym for practice in response.context["page"]}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("data", {"MIDSA"}),
        ("regional observatory", {"MIDSA"}),
        ("regularización", {"RCM"}),
        ("regularizacion", {"RCM"}),  # without the accent
        ("Régularisation", {"GFMD"}),
        ("integration", {"GFMD"}),  # "intégration" without its accent; not "integración"
        ("intégration", {"GFMD"}),
        ("الهجرة", {"ARCP"}),
        ("الْهِجْرَة", {"ARCP"}),  # with diacritics
        ("observatoire", set()),
    ],
)
def test_search_in_four_languages(library, coordinator, query, found):
    assert listed(client_for(coordinator).get(LIBRARY, {"q": query})) == found


@pytest.mark.parametrize(
    ("filters", "found"),
    [
        ({}, {"MIDSA", "RCM", "GFMD", "ARCP"}),
        ({"gcm": "5"}, {"RCM", "GFMD"}),
        ({"gcm": "5", "sdg": "8"}, {"GFMD"}),
        ({"sdg": "8"}, {"MIDSA", "GFMD"}),
        ({"region": "Americas"}, {"RCM"}),
        ({"iscm_type": "GLOBAL"}, {"GFMD"}),
        ({"iscm_type": "RCP", "gcm": "23"}, {"MIDSA", "ARCP"}),
        ({"year": "2025"}, {"ARCP"}),
        ({"campaign": "survey-2023"}, {"MIDSA", "RCM"}),
        ({"campaign": "survey-2023", "gcm": "23"}, {"MIDSA"}),
        ({"iscm": "GFMD", "q": "régularisation"}, {"GFMD"}),
        ({"iscm": "RCM", "q": "régularisation"}, set()),
        ({"gcm": "99"}, {"MIDSA", "RCM", "GFMD", "ARCP"}),  # an unknown value is ignored
    ],
)
def test_filter_combinations(library, coordinator, filters, found):
    assert listed(client_for(coordinator).get(LIBRARY, filters)) == found


def test_who_sees_what(library, coordinator, observer):
    fp_gfmd = factories.focal_point_create(library.iscms["GFMD"], username="fp-gfmd@example.org")
    assert listed(client_for(coordinator).get(LIBRARY)) == {"MIDSA", "RCM", "GFMD", "ARCP"}
    assert listed(client_for(observer).get(LIBRARY)) == {"MIDSA", "RCM"}  # published only
    assert listed(client_for(fp_gfmd).get(LIBRARY)) == {"MIDSA", "RCM", "GFMD"}  # own ISCM's and published
    unpublished = library.practices["GFMD"]
    assert client_for(observer).get(reverse("practices:detail", args=[unpublished.pk])).status_code == 404
    assert client_for(fp_gfmd).get(reverse("practices:detail", args=[unpublished.pk])).status_code == 200
    arcp = library.practices["ARCP"]
    assert client_for(fp_gfmd).get(reverse("practices:detail", args=[arcp.pk])).status_code == 404
    assert Client().get(LIBRARY).status_code == 302  # anonymous: the login page


def test_publishing_shows_a_practice_to_observers(library, coordinator, observer):
    practice = library.practices["GFMD"]
    coordinator_client = client_for(coordinator)
    response = coordinator_client.post(reverse("practices:publish", args=[practice.pk]), {"published": "1"})
    assert response.status_code == 302
    assert "GFMD" in listed(client_for(observer).get(LIBRARY))
    coordinator_client.post(reverse("practices:publish", args=[practice.pk]), {"published": "0"})
    assert "GFMD" not in listed(client_for(observer).get(LIBRARY))


def test_only_coordinators_edit_publish_and_delete(library, observer):
    practice = library.practices["MIDSA"]
    fp = factories.focal_point_create(library.iscms["MIDSA"], username="fp-midsa@example.org")
    for user in (observer, fp):
        client = client_for(user)
        assert client.post(reverse("practices:publish", args=[practice.pk]), {"published": "0"}).status_code == 403
        assert client.post(reverse("practices:delete", args=[practice.pk])).status_code == 403
        assert client.get(reverse("practices:split", args=[library.answers["MIDSA"].pk])).status_code == 403
    practice.refresh_from_db()
    assert practice.is_published


def test_coordinator_edits_and_tags_a_practice(library, coordinator):
    practice = library.practices["MIDSA"]
    response = client_for(coordinator).post(
        reverse("practices:update", args=[practice.pk]),
        {
            "title": "Regional data observatory",
            "description": "Shared statistics.",
            "year": "2021",
            "link": "https://example.org/observatory",
            "language": "en",
            "gcm": ["1", "3"],
            "sdg": ["17"],
        },
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.title == "Regional data observatory" and practice.year == 2021
    assert sorted(c.code for c in practice.gcm_objectives.all()) == ["1", "3"]
    assert [c.code for c in practice.sdgs.all()] == ["17"]
    assert listed(client_for(coordinator).get(LIBRARY, {"q": "statistics"})) == {"MIDSA"}
    page = client_for(coordinator).get(reverse("practices:detail", args=[practice.pk])).content.decode()
    assert "Regional data observatory" in page and "GCM 3" in page and "SDG 17" in page


def test_coordinator_deletes_a_practice_and_the_answer_stays(library, coordinator):
    practice = library.practices["RCM"]
    answer_text = library.answers["RCM"].text
    assert client_for(coordinator).post(reverse("practices:delete", args=[practice.pk])).status_code == 302
    assert "RCM" not in listed(client_for(coordinator).get(LIBRARY))
    library.answers["RCM"].refresh_from_db()
    assert library.answers["RCM"].text == answer_text


def test_the_chart_counts_practices_per_objective_for_what_the_user_sees(library, coordinator, observer):
    def counts(user):
        figure = client_for(user).get(LIBRARY).context["figures"]["per-objective"]
        bar = figure["data"][0]
        assert len(bar["x"]) == 23  # every objective, zeros included
        return {index + 1: count for index, count in enumerate(bar["x"]) if count}

    assert counts(coordinator) == {1: 1, 5: 2, 16: 1, 23: 2}
    assert counts(observer) == {1: 1, 5: 1, 16: 1, 23: 1}


def test_csv_export_of_the_filtered_list(library, coordinator, observer):
    practice = library.practices["RCM"]
    practice.title = '=HYPERLINK("http://evil")'
    practice.save()
    response = client_for(coordinator).get(reverse("practices:export", args=["csv"]), {"gcm": "5"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="practices-')
    assert response["X-Content-Type-Options"] == "nosniff"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["iscm"]: row for row in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"RCM", "GFMD"}
    assert rows["RCM"]["title"] == '\'=HYPERLINK("http://evil")'  # the project's csv_safe
    assert rows["RCM"]["gcm_objectives"] == "5; 16" and rows["GFMD"]["sdgs"] == "8; 17"
    assert rows["GFMD"]["language"] == "fr" and rows["GFMD"]["published_at"] == ""
    observer_csv = client_for(observer).get(reverse("practices:export", args=["csv"]))
    observed = list(csv.DictReader(io.StringIO(b"".join(observer_csv.streaming_content).decode("utf-8-sig"))))
    assert {row["iscm"] for row in observed} == {"MIDSA", "RCM"}


def test_xlsx_export_of_the_filtered_list(library, coordinator):
    response = client_for(coordinator).get(reverse("practices:export", args=["xlsx"]), {"campaign": "survey-2025"})
    assert response["Content-Disposition"].startswith('attachment; filename="practices-')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["practices"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "campaign", "iscm")
    assert sorted(row[2] for row in rows[1:]) == ["ARCP", "GFMD"]
    arabic = next(row for row in rows[1:] if row[2] == "ARCP")
    assert arabic[7] == "ورشة عمل حول الهجرة"
    assert client_for(coordinator).get("/practices/export.pdf").status_code == 404


def _more_practices(library, coordinator, count: int) -> None:
    answer = library.answers["MIDSA"]
    practices_create_from_answer(
        answer=answer,
        items=[
            PracticeData(f"Extra {n}", "Extra data practice", 2023, "", "en", ["1", "2"], ["8"]) for n in range(count)
        ],
        user=coordinator,
    )


@pytest.mark.parametrize("role", ["coordinator", "observer", "focal_point"])
def test_library_query_count_is_fixed(library, coordinator, observer, role, django_assert_max_num_queries):
    users = {
        "coordinator": coordinator,
        "observer": observer,
        "focal_point": factories.focal_point_create(library.iscms["GFMD"], username="fp-gfmd@example.org"),
    }
    client = client_for(users[role])
    client.get(LIBRARY)  # session and permission caches warm
    with django_assert_max_num_queries(17):
        assert client.get(LIBRARY, {"gcm": "1", "q": "data"}).status_code == 200
    _more_practices(library, coordinator, 30)
    with django_assert_max_num_queries(17):
        response = client.get(LIBRARY, {"gcm": "1", "q": "data"})
    assert response.status_code == 200


def test_detail_query_count_is_fixed(library, coordinator, django_assert_max_num_queries):
    client = client_for(coordinator)
    url = reverse("practices:detail", args=[library.practices["MIDSA"].pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200
