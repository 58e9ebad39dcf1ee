"""The development set-up is quiet and readable (issue 17 #18): short human log lines, no warning about
a broker that is not configured, a quiet `load_demo`, a favicon, and a README that says which demo
focal points have not started the open campaign."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from iscm_survey.logging import ConsoleFormatter


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_console_lines_are_short_and_human():
    record = logging.LogRecord("questionnaires.services", logging.INFO, __file__, 1, "response %s", ("imported",), None)
    record.campaign = 2
    record.iscm = 7
    line = ConsoleFormatter().format(record)
    assert re.fullmatch(r"\d\d:\d\d:\d\d INFO    response imported  campaign=2 iscm=7", line)


def test_debug_defaults_to_console_logs_and_production_to_json():
    code = "import django; django.setup(); from django.conf import settings; print(settings.LOG_FORMAT)"

    def log_format(debug: str) -> str:
        env = {"DJANGO_SETTINGS_MODULE": "iscm_survey.settings", "DJANGO_DEBUG": debug, "PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
        )
        return result.stdout.strip().splitlines()[-1]

    assert log_format("1") == "console"
    assert log_format("0") == "json"


def test_no_warning_about_a_broker_that_is_not_configured(settings):
    from iscm_survey.celery import app

    handler = Collect()
    logger = logging.getLogger("kombu.connection")
    logger.addHandler(handler)
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            connection.as_uri()
    finally:
        logger.removeHandler(handler)
    assert [record.getMessage() for record in handler.records] == []


@pytest.mark.django_db
def test_load_demo_is_quiet():
    handler = Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    out = io.StringIO()
    try:
        call_command("load_demo", stdout=out)
    finally:
        root.removeHandler(handler)
    assert [record.getMessage() for record in handler.records] == []
    assert out.getvalue().strip() == "Demo loaded: 24 ISCMs invited to each campaign."


def test_every_page_links_the_favicon(client):
    page = client.get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', page)
    assert match and (Path(settings.BASE_DIR) / "static" / match.group(1)).read_text().startswith("<svg")


@pytest.mark.django_db
def test_readme_names_the_demo_focal_points_that_have_not_started():
    from questionnaires.management.commands.load_demo import focal_point_email
    from questionnaires.models import Campaign, Response

    call_command("load_demo", stdout=io.StringIO())
    followup = Campaign.objects.get(slug="iscm-followup-open")
    started = set(Response.objects.filter(campaign=followup).values_list("iscm__acronym", flat=True))
    not_started = sorted(
        focal_point_email(acronym)
        for acronym in followup.invited_iscms.values_list("acronym", flat=True)
        if acronym not in started
    )
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme.split("have **not started** yet")[1].split("Drafts in progress")[0]
    assert sorted(re.findall(r"`(fp-[^`]+)`", section)) == not_started
