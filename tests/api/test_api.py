"""The read-only API: figures equal to export_aggregates, the dashboards' permissions and disclosure
rule, tokens (401 when revoked or expired, never logged), throttling, CSV for Excel, the OpenAPI schema."""

import csv
import datetime
import io
import logging

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from analytics import selectors as analytics_selectors
from analytics.services import aggregates_recompute
from api.models import ApiToken
from questionnaires.models import Response
from tests.security.conftest import CAMPAIGN_CLOSED, CAMPAIGN_OPEN, ISCM

CLOSED = {"slug": CAMPAIGN_CLOSED}


def api(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs or None)


def get(headers, url, **params):
    return Client().get(url, params, **headers)


def export_aggregates_rows(slug):
    out = io.StringIO()
    call_command("export_aggregates", slug, stdout=out, stderr=io.StringIO())
    return list(csv.reader(io.StringIO(out.getvalue())))


# --- figures -------------------------------------------------------------------------------------


def test_aggregates_equal_export_aggregates(world, token_of):
    aggregates_recompute(campaign_id=world.closed.pk, force=True)
    expected = export_aggregates_rows(CAMPAIGN_CLOSED)
    response = get(token_of("observer"), api("aggregates", **CLOSED))
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == len(expected) - 1
    for row, line in zip(rows, expected[1:], strict=True):
        as_csv = ["" if row[column] is None else str(row[column]) for column in expected[0]]
        assert as_csv == line
    as_csv_file = get(token_of("observer"), api("aggregates", **CLOSED), format="csv")
    assert as_csv_file["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv_file.content.decode()))) == expected


def test_filtered_aggregates_equal_the_dashboards_selector(world, token_of):
    region = max(analytics_selectors.response_rates(world.closed)["by_region"], key=lambda row: row["responded"])["key"]
    rows = get(token_of("coordinator"), api("aggregates", **CLOSED), region=region, question="gcm_priorities").json()
    expected = [
        row
        for row in analytics_selectors.aggregate_rows(world.closed, region=region)
        if row["question"] == "gcm_priorities"
    ]
    assert [(row["choice"], row["count"], row["base"]) for row in rows] == [
        (row["code"], row["count"], row["base"]) for row in expected
    ]
    assert rows and {row["question"] for row in rows} == {"gcm_priorities"}


def test_small_groups_are_withheld_from_observers_only(world, token_of):
    rates = analytics_selectors.response_rates(world.closed)["by_region"]
    small = next(row["key"] for row in rates if 0 < row["responded"] < 3)
    url = api("aggregates", **CLOSED)
    refused = get(token_of("observer"), url, region=small)
    assert refused.status_code == 403 and "fewer than 3 ISCMs" in refused.json()["detail"]
    assert get(token_of("coordinator"), url, region=small).status_code == 200


def test_the_api_withholds_exactly_what_the_dashboard_withholds(world, token_of):
    """Disclosure control (analytics/disclosure.py) is one rule: all minus RCP minus IRF would be the one
    global process, so not both types are given, through the API or the dashboard."""
    client = world.client("observer")
    dashboard = reverse("analytics:dashboard", kwargs={"slug": CAMPAIGN_CLOSED})
    url = api("aggregates", **CLOSED)
    given = set()
    for iscm_type in ("", "RCP", "IRF", "GLOBAL"):
        status = get(token_of("observer"), url, iscm_type=iscm_type).status_code
        withheld = client.get(dashboard, {"iscm_type": iscm_type} if iscm_type else {}).context["withheld"]
        assert status == (403 if withheld else 200), iscm_type
        if status == 200:
            given.add(iscm_type)
    assert "" in given and "GLOBAL" not in given and not {"RCP", "IRF"} <= given


def test_campaigns_and_rates(world, token_of):
    campaigns = get(token_of("observer"), api("campaign_list")).json()
    closed = next(row for row in campaigns if row["slug"] == CAMPAIGN_CLOSED)
    assert (closed["status"], closed["invited"], closed["responded"]) == ("closed", 24, 14)
    rates = get(token_of("observer"), api("response_rates", **CLOSED)).json()
    by_type = [row for row in rates if row["dimension"] == "type"]
    assert sum(row["invited"] for row in by_type) == 24 and sum(row["responded"] for row in by_type) == 14
    codebook = get(token_of("observer"), api("codebook", **CLOSED), language="fr").json()
    assert any(row["column"] == "gcm_priorities" for row in codebook)


# --- responses: coordinators all, focal points their own, observers none --------------------------


def test_coordinator_reads_every_response_paginated(world, token_of, django_assert_max_num_queries):
    url = api("responses", **CLOSED)
    headers = token_of("coordinator")
    with django_assert_max_num_queries(12):
        first = get(headers, url, page_size=5).json()
    assert first["count"] == 14 and len(first["results"]) == 5 and first["next"]
    every = get(headers, url, page_size=100).json()["results"]
    assert [row["iscm"] for row in every] == sorted(row["iscm"] for row in every)
    assert all("gcm_priorities" in row and "respondent_name" in row for row in every)
    csv_page = get(headers, url, format="csv", page_size=100)
    assert len(list(csv.DictReader(io.StringIO(csv_page.content.decode())))) == 14


def test_focal_point_reads_only_its_own_iscm(world):
    response = world.response(world.closed, world.other_iscm)
    assert response.status in Response.RESPONDED
    client = world.client("other_focal_point")  # RCM's focal point, by the session
    rows = client.get(api("responses", **CLOSED)).json()["results"]
    assert [row["iscm"] for row in rows] == [world.other_iscm.acronym]
    assert client.get(api("aggregates", **CLOSED)).status_code == 403


def test_observers_never_get_responses(world, token_of):
    assert get(token_of("observer"), api("responses", **CLOSED)).status_code == 403


# --- tokens --------------------------------------------------------------------------------------


def test_token_is_stored_hashed_and_records_its_use(world, token_of):
    headers = token_of("observer")
    key = headers["HTTP_AUTHORIZATION"].split()[1]
    token = ApiToken.objects.get(user=world.users["observer"])
    assert key not in (token.key_hash, token.prefix) and key.startswith(token.prefix)
    assert token.last_used_at is None
    assert get(headers, api("campaign_list")).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("case", ["revoked", "expired", "unknown", "none"])
def test_bad_tokens_get_401(world, token_of, case):
    headers = token_of("coordinator")
    token = ApiToken.objects.get(user=world.users["coordinator"])
    if case == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif case == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif case == "unknown":
        headers = {"HTTP_AUTHORIZATION": "Bearer iscm_not-a-token"}
    else:
        headers = {}
    response = get(headers, api("campaign_list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_never_appears_in_logs(world, token_of):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        headers = token_of("coordinator")
        key = headers["HTTP_AUTHORIZATION"].split()[1]
        get(headers, api("campaign_list"))
        get(headers, api("responses", slug="no-such-campaign"))
        get(headers, api("campaign_list"), format="nonsense")
        ApiToken.objects.update(revoked_at=timezone.now())
        get(headers, api("campaign_list"))
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    assert records  # the 404 and 401 are logged…
    for record in records:
        assert key not in record.getMessage() and key not in repr(record.__dict__)  # …without the token


def test_throttle_answers_429_with_retry_after(world, token_of, settings):
    settings.API_THROTTLE_RATE = "10/minute"
    headers = token_of("observer")
    statuses = [get(headers, api("campaign_list")) for _ in range(60)]
    assert [response.status_code for response in statuses].count(200) == 10
    refused = [response for response in statuses if response.status_code == 429]
    assert len(refused) == 50 and all(int(response["Retry-After"]) > 0 for response in refused)
    # another token of another user is counted apart
    assert get(token_of("coordinator"), api("campaign_list")).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_refused(world, token_of, method):
    headers = token_of("coordinator")
    for url in [api("campaign_list"), api("aggregates", **CLOSED), api("responses", **CLOSED)]:
        response = getattr(Client(), method)(url, {}, **headers)
        assert response.status_code == 405, (method, url)


# --- the schema and its documentation page -------------------------------------------------------


def test_schema_validates_and_lists_every_endpoint():
    response = Client().get(api("schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{slug}/",
        "/api/v1/campaigns/{slug}/aggregates/",
        "/api/v1/campaigns/{slug}/response-rates/",
        "/api/v1/campaigns/{slug}/codebook/",
        "/api/v1/campaigns/{slug}/responses/",
    }
    parameters = {p["name"] for p in paths["/api/v1/campaigns/{slug}/aggregates/"]["get"]["parameters"]}
    assert parameters == {"slug", "question", "region", "iscm_type", "language", "format"}
    parameters = {p["name"] for p in paths["/api/v1/campaigns/{slug}/responses/"]["get"]["parameters"]}
    assert {"page", "page_size", "labels", "format"} <= parameters
    assert all(set(item) == {"get"} for item in paths.values())  # read-only


def test_docs_page_loads_its_assets_locally():
    response = Client().get(api("docs"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in html  # no inline script: the Content-Security-Policy stays strict
    sources = [part.split('"')[0] for part in html.split('src="')[1:]]
    assert sources and all(source.startswith(("/static/", "/api/docs/")) for source in sources), sources
    assert "cdn" not in html.lower()
    script = Client().get(api("docs") + "?script=")
    assert script.status_code == 200 and b"/api/schema/" in script.content


# --- the token page -----------------------------------------------------------------------------


def test_token_page_creates_shows_once_and_revokes(world):
    client = world.client("observer")
    page = client.post(api("tokens"), {"name": "Power BI", "expires_on": "2099-01-01"})
    html = page.content.decode()
    key = html.split("data-token")[0].rsplit('value="', 1)[1].split('"')[0]
    assert key.startswith("iscm_") and page["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.users["observer"], name="Power BI")
    assert token.expires_at == datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    again = client.get(api("tokens")).content.decode()
    assert key not in again and token.prefix in again
    assert get({"HTTP_AUTHORIZATION": f"Bearer {key}"}, api("campaign_list")).status_code == 200
    client.post(api("token_revoke", token_id=token.pk))
    assert get({"HTTP_AUTHORIZATION": f"Bearer {key}"}, api("campaign_list")).status_code == 401


def test_nobody_revokes_someone_elses_token(world, token_of):
    headers = token_of("coordinator")
    token = ApiToken.objects.get(user=world.users["coordinator"])
    world.client("observer").post(api("token_revoke", token_id=token.pk))
    assert get(headers, api("campaign_list")).status_code == 200


def test_an_expiry_in_the_past_is_refused(world):
    page = world.client("observer").post(api("tokens"), {"name": "x", "expires_on": "2000-01-01"})
    assert "Choose a day after today." in page.content.decode()
    assert not ApiToken.objects.exists()


def test_focal_point_of_open_campaign_sees_only_responded(world):
    # MIDWA's response to the open campaign is a draft: the API lists responded responses only.
    rows = world.client("focal_point").get(api("responses", slug=CAMPAIGN_OPEN)).json()["results"]
    assert ISCM not in [row["iscm"] for row in rows]


def test_token_page_query_count_is_fixed(world, django_assert_max_num_queries):
    client = world.client("coordinator")
    for index in range(5):
        client.post(api("tokens"), {"name": f"token {index}"})
    with django_assert_max_num_queries(12):
        page = client.get(api("tokens"))
    assert page.content.decode().count("data-token-id=") == 5


def test_filtered_csv_equals_the_dashboards_aggregates_csv(world, token_of):
    """With filters, the API's CSV and the dashboard's aggregates download (export_aggregates' writer)
    hold the same rows."""
    region = max(analytics_selectors.response_rates(world.closed)["by_region"], key=lambda row: row["responded"])["key"]
    for filters in ({"region": region}, {"iscm_type": "RCP"}, {"region": region, "iscm_type": "RCP"}):
        dashboard = world.client("coordinator").get(reverse("analytics:aggregates_csv", kwargs=CLOSED), filters)
        expected = list(csv.reader(io.StringIO(b"".join(dashboard.streaming_content).decode())))
        ours = get(token_of("coordinator"), api("aggregates", **CLOSED), format="csv", **filters)
        assert list(csv.reader(io.StringIO(ours.content.decode()))) == expected, filters
