"""One date style per language, everywhere (issue 17 #12): pages, e-mails, the report and the charts write
"1 April 2023" / "1 April 2023, 08:19" in English, and the same style in French, Spanish and Arabic.
No US style ("April 1, 2023", "8:19 a.m."), no hand-written format in a template."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import formats, translation

from analytics import charts

MOMENT = datetime.datetime(2023, 4, 1, 8, 19, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "date", "moment"),
    [
        ("en", "1 April 2023", "1 April 2023, 08:19"),
        ("fr", "1 avril 2023", "1 avril 2023, 08:19"),
        ("es", "1 de abril de 2023", "1 de abril de 2023, 08:19"),
        ("ar", "1 إبريل 2023", "1 إبريل 2023، 08:19"),
    ],
)
def test_one_style_per_language(language, date, moment):
    with translation.override(language):
        assert formats.date_format(MOMENT.date()) == date
        assert formats.date_format(MOMENT, "SHORT_DATE_FORMAT") == date
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == moment


def test_templates_use_the_named_formats_only():
    """A literal format ("j M Y") in a template is a second style: use DATE_FORMAT or DATETIME_FORMAT."""
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.*"):
        for literal in re.findall(r'\|date:"([^"]*)"', path.read_text(encoding="utf-8")):
            if literal not in ("DATE_FORMAT", "DATETIME_FORMAT"):
                found.append(f"{path.name}: {literal}")
    assert found == []


def test_chart_dates_follow_the_language():
    points = [
        {"date": "2023-04-11", "count": 1, "cumulative": 1},
        {"date": "2023-05-03", "count": 2, "cumulative": 3},
    ]
    with translation.override("fr"):
        figure = charts.submissions_over_time(points, invited=24)
    trace = figure["data"][0]
    assert [row[1] for row in trace["customdata"]] == ["11 avril 2023", "3 mai 2023"]
    assert "%{x|" not in trace["hovertemplate"]  # Plotly would write English month names
    assert figure["layout"]["xaxis"]["ticktext"] == ["11 avril 2023", "3 mai 2023"]


@pytest.mark.django_db
def test_the_dashboard_says_when_in_the_page_style(client, demo, coordinator):
    from analytics.services import aggregates_recompute

    aggregates_recompute(campaign_id=demo.pk, force=True)
    client.force_login(coordinator)
    page = client.get(f"/campaigns/{demo.slug}/dashboard/").content.decode()
    match = re.search(r"Figures as of ([^.<]*)\.", page)
    assert match, "the freshness line"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", match.group(1).strip())
    assert "<td>11 April 2023</td>" in page  # the chart's table of submissions, same style
