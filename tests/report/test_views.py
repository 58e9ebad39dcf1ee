"""The report page, its downloads and their status: who may use them, and the generation jobs (requested,
run by the task in-process, kept until the figures change, reused meanwhile). The browser is replaced by
fakes here (test_demo_report.py and test_browser.py run the real one)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from analytics import report_files
from analytics.models import CampaignStats, ReportFile
from analytics.report_render import RenderError
from analytics.services import aggregates_recompute
from tests import factories
from tests.report.conftest import FAKE_PDF, XSS_SCRIPT  # the fixtures renders, answered, generate: there

pytestmark = pytest.mark.django_db

def _urls(slug: str) -> dict[str, tuple[str, str]]:
    return {
        "report": ("get", reverse("analytics:report", kwargs={"slug": slug})),
        "status": ("get", reverse("analytics:report_status", kwargs={"slug": slug})),
        "generate": ("post", reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "pdf"})),
        "download": ("get", reverse("analytics:report_download", kwargs={"slug": slug, "fmt": "pdf"})),
    }


# --- Who ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report", "status", "generate", "download"])
def test_anonymous_visitors_are_sent_to_login(client, answered, name):
    method, url = _urls(answered.campaign.slug)[name]
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not ReportFile.objects.exists()


@pytest.mark.parametrize("name", ["report", "status", "generate", "download"])
def test_focal_points_are_forbidden(client, answered, name):
    iscm = answered.campaign.invited_iscms.first()
    client.force_login(factories.focal_point_create(iscm, username="fp-report@example.org"))
    method, url = _urls(answered.campaign.slug)[name]
    assert getattr(client, method)(url).status_code == 403
    assert not ReportFile.objects.exists()


def test_coordinators_read_the_draft_generate_and_download(client, answered, renders, generate, coordinator):
    client.force_login(coordinator)
    urls = _urls(answered.campaign.slug)
    page = client.get(urls["report"][1])
    assert page.status_code == 200
    assert "All 3 ISCMs invited responded (100%)." in page.content.decode()
    assert client.get(urls["status"][1]).json()["formats"]["pdf"]["status"] == "none"
    # not generated yet: back to the page, which says so
    response = client.get(urls["download"][1], follow=True)
    assert "That file is not ready: generate it first." in response.content.decode()

    response = generate(urls["generate"][1])
    assert response.status_code == 302 and response["Location"].endswith("/report/#report-downloads")
    page = client.get(urls["report"][1]).content.decode()
    assert 'data-format="pdf" data-status="ready"' in page
    assert f'href="{urls["download"][1]}"' in page
    download = client.get(urls["download"][1])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="small-survey-report-en.pdf"'
    assert b"".join(download.streaming_content) == FAKE_PDF


def test_unknown_format_and_campaign_are_404(client, coordinator, answered):
    client.force_login(coordinator)
    slug = answered.campaign.slug
    assert (
        client.post(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "odt"})).status_code
        == 404
    )
    assert (
        client.get(reverse("analytics:report_download", kwargs={"slug": slug, "fmt": "exe"})).status_code
        == 404
    )
    assert client.get(reverse("analytics:report", kwargs={"slug": "no-such-campaign"})).status_code == 404
    # generation changes state: GET is not allowed
    assert (
        client.get(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "pdf"})).status_code
        == 405
    )


# --- What the page says ---------------------------------------------------------------------------------


def test_generic_report_page(client, coordinator, answered):
    client.force_login(coordinator)
    html = client.get(reverse("analytics:report", kwargs={"slug": answered.campaign.slug})).content.decode()
    assert "All 3 ISCMs invited responded (100%)." in html
    # ties worded as ties: a, b and c each picked twice
    assert (
        "“Choice a”, “Choice b” and “Choice c” rank first, each cited by 2 of 3 responding ISCMs (67%)."
        in html
    )
    assert "“Choice yes” ranks first, cited by 2 of 3 responding ISCMs (67%)." in html
    assert "No responding ISCM answered this question." in html  # `skipped`
    # the annex: long-text answers only, by ISCM name, escaped, paragraphs and lists kept
    annex = html[html.index('id="report-annex"') :]
    assert annex.index("Alpha dialogue") < annex.index("Beta dialogue")
    assert "secret@example.org" not in html  # a short-text answer is not quoted
    assert "<p>We meet.</p>" in annex and "<li>often</li>" in annex
    assert XSS_SCRIPT not in html and "<img src=x" not in html
    assert "Ours: &lt;script&gt;alert(1)&lt;/script&gt;" in annex
    assert "<li>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</li>" in annex
    # charts: data for plotly.js, drawn by static JS (no inline script)
    assert html.count('class="report-chart"') == 3
    assert re.search(r'<script src="/static/js/report\.js"', html)
    assert "<script>" not in html.replace('<script id="report-figures" type="application/json">', "")


def test_report_page_runs_a_fixed_number_of_queries(client, coordinator, survey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    url = reverse("analytics:report", kwargs={"slug": survey.campaign.slug})
    counts = []
    for size in (2, 12):
        while survey._n < size:
            survey.submit({"multi": ["a"], "single": "no", "practices": f"Practice {survey._n}"})
        aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert f"All {size} ISCMs invited responded" in response.content.decode()
        counts.append(len(queries))
    # 23: with the published version's query (issue 18) and the comparison picker's (issue 15)
    assert counts[0] == counts[1] <= 23, counts


# --- Jobs ------------------------------------------------------------------------------------------------


def test_a_ready_file_is_reused_until_the_figures_change(
    client, coordinator, answered, renders, generate, settings
):
    client.force_login(coordinator)
    urls = _urls(answered.campaign.slug)
    generate(urls["generate"][1])
    first = ReportFile.objects.get()
    assert (first.status, first.progress, first.language) == ("ready", 100, "en")
    assert first.figures_as_of == CampaignStats.objects.get(campaign=answered.campaign).computed_at
    assert first.file.name.startswith("reports/") and first.file.path.startswith(str(settings.MEDIA_ROOT))

    # the same request: the kept file, no new rendering
    response = generate(urls["generate"][1])
    assert renders["pdf"] == 1 and ReportFile.objects.count() == 1
    assert "The PDF file is ready to download." in client.get(response["Location"]).content.decode()
    status = client.get(urls["status"][1]).json()["formats"]["pdf"]
    assert status["status"] == "ready" and status["download_url"] == urls["download"][1]

    # the figures change: the old file is no longer offered; a new one replaces it
    answered.submit({"multi": ["e"], "single": "no"})
    aggregates_recompute(campaign_id=answered.campaign.pk)
    assert client.get(urls["status"][1]).json()["formats"]["pdf"]["status"] == "none"
    assert client.get(urls["download"][1]).status_code == 302
    old_path = first.file.path
    generate(urls["generate"][1])
    assert renders["pdf"] == 2
    second = ReportFile.objects.get()
    assert second.pk != first.pk and second.status == "ready"
    import os

    assert not os.path.exists(old_path)


def test_docx_download_is_a_word_document_with_the_charts(client, coordinator, answered, renders, generate):
    from io import BytesIO

    from docx import Document

    client.force_login(coordinator)
    slug = answered.campaign.slug
    generate(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "docx"}))
    download = client.get(reverse("analytics:report_download", kwargs={"slug": slug, "fmt": "docx"}))
    assert download["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert download["Content-Disposition"] == 'attachment; filename="small-survey-report-en.docx"'
    document = Document(BytesIO(b"".join(download.streaming_content)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "All 3 ISCMs invited responded (100%)." in text
    assert f"Ours: {XSS_SCRIPT}" in text
    assert len(document.inline_shapes) == 3


def test_the_report_follows_the_viewers_language(client, coordinator, answered, renders, generate, settings):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    slug = answered.campaign.slug
    generate(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "pdf"}))
    assert ReportFile.objects.get().language == "fr"
    download = client.get(reverse("analytics:report_download", kwargs={"slug": slug, "fmt": "pdf"}))
    assert download["Content-Disposition"] == 'attachment; filename="small-survey-report-fr.pdf"'
    # an English viewer does not get the French file
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert (
        client.get(reverse("analytics:report_download", kwargs={"slug": slug, "fmt": "pdf"})).status_code
        == 302
    )


def test_a_running_job_is_joined_not_duplicated(client, coordinator, answered, generate, monkeypatch):
    published = []
    monkeypatch.setattr(report_files, "task_publish", lambda task, **kwargs: published.append(kwargs) or True)
    client.force_login(coordinator)
    urls = _urls(answered.campaign.slug)
    response = generate(urls["generate"][1])
    assert "The PDF file is being generated." in client.get(response["Location"]).content.decode()
    assert len(published) == 1
    job = ReportFile.objects.get()
    assert job.status == "pending"
    # the page shows the progress bar (and JS polls the status), the button is hidden
    page = client.get(urls["report"][1]).content.decode()
    assert 'data-format="pdf" data-status="pending"' in page
    ReportFile.objects.filter(pk=job.pk).update(status="running", progress=60)
    status = client.get(urls["status"][1]).json()["formats"]["pdf"]
    assert status == {
        "status": "running",
        "progress": 60,
        "message": "Generating… 60%",
        "download_url": "",
        "can_regenerate": True,
    }
    response = generate(urls["generate"][1])
    assert "The PDF file is already being generated." in client.get(response["Location"]).content.decode()
    assert len(published) == 1 and ReportFile.objects.count() == 1


def test_a_dead_job_is_started_again(client, coordinator, answered, renders, generate):
    import datetime

    from django.utils import timezone

    client.force_login(coordinator)
    stats = CampaignStats.objects.get(campaign=answered.campaign)
    job = ReportFile.objects.create(
        campaign=answered.campaign,
        format="pdf",
        language="en",
        figures_as_of=stats.computed_at,
        status="running",
    )
    ReportFile.objects.filter(pk=job.pk).update(requested_at=timezone.now() - datetime.timedelta(hours=1))
    generate(_urls(answered.campaign.slug)["generate"][1])
    job.refresh_from_db()
    assert job.status == "ready" and renders["pdf"] == 1


def test_broker_down_the_page_says_to_try_again(client, coordinator, answered, generate, monkeypatch):
    monkeypatch.setattr(report_files, "task_publish", lambda task, **kwargs: False)
    client.force_login(coordinator)
    urls = _urls(answered.campaign.slug)
    generate(urls["generate"][1])
    message = (
        "The report could not be queued: the background task service is unavailable. Try again in a minute."
    )
    assert message in client.get(urls["report"][1]).content.decode()
    assert ReportFile.objects.get().status == "failed"
    assert client.get(urls["status"][1]).json()["formats"]["pdf"]["message"] == message
    # once the broker is back, the same button starts it again
    monkeypatch.undo()
    published = []
    monkeypatch.setattr(report_files, "task_publish", lambda task, **kwargs: published.append(1) or True)
    generate(urls["generate"][1])
    assert published == [1] and ReportFile.objects.get().status == "pending"


def test_a_rendering_failure_is_reported(client, coordinator, answered, generate, monkeypatch):
    def broken(report, *, progress=lambda _p: None):
        raise RenderError("Chromium not found at /nowhere")

    monkeypatch.setattr(report_files, "render_pdf", broken)
    client.force_login(coordinator)
    urls = _urls(answered.campaign.slug)
    generate(urls["generate"][1])
    assert "The file could not be generated. Try again" in client.get(urls["report"][1]).content.decode()
    job = ReportFile.objects.get()
    assert job.status == "failed" and "Chromium not found" in job.error


def test_the_task_is_registered_under_its_name():
    from iscm_survey.celery import app

    assert report_files.report_generate_task.name == "report_generate"
    assert "report_generate" in app.tasks
    assert report_files.report_generate_task.acks_late is True
    assert report_files.report_generate_task.max_retries == 3


def test_the_report_renders_right_to_left_in_arabic(
    client, coordinator, answered, renders, generate, settings
):
    from io import BytesIO

    from docx import Document

    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    slug = answered.campaign.slug
    page = client.get(reverse("analytics:report", kwargs={"slug": slug}))
    assert page.status_code == 200 and 'dir="rtl"' in page.content.decode()
    generate(reverse("analytics:report_generate", kwargs={"slug": slug, "fmt": "docx"}))
    download = client.get(reverse("analytics:report_download", kwargs={"slug": slug, "fmt": "docx"}))
    assert download["Content-Disposition"] == 'attachment; filename="small-survey-report-ar.docx"'
    document = Document(BytesIO(b"".join(download.streaming_content)))
    assert (
        document.paragraphs[0]._p.pPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi"
        )
        is not None
    )


def test_a_running_job_whose_heartbeat_stopped_is_dead_and_a_live_one_is_joined(
    client, coordinator, answered, renders, generate
):
    import datetime

    from django.utils import timezone

    client.force_login(coordinator)
    urls = _urls(answered.campaign.slug)
    stats = CampaignStats.objects.get(campaign=answered.campaign)
    job = ReportFile.objects.create(
        campaign=answered.campaign, format="pdf", language="en", figures_as_of=stats.computed_at, status="running"
    )
    now = timezone.now()
    # asked for long ago, but still beating: a slow job, not a dead one
    ReportFile.objects.filter(pk=job.pk).update(
        progress=15, requested_at=now - datetime.timedelta(minutes=20), heartbeat_at=now - datetime.timedelta(seconds=5)
    )
    assert client.get(urls["status"][1]).json()["formats"]["pdf"]["message"] == "Generating… 15%"
    generate(urls["generate"][1])
    assert renders["pdf"] == 0
    # its worker died: no heartbeat for two minutes, though asked for only three minutes ago
    ReportFile.objects.filter(pk=job.pk).update(
        requested_at=now - datetime.timedelta(minutes=3), heartbeat_at=now - datetime.timedelta(minutes=2)
    )
    status = client.get(urls["status"][1]).json()["formats"]["pdf"]
    assert status["status"] == "failed" and status["message"].startswith("The file could not be generated.")
    generate(urls["generate"][1])
    job.refresh_from_db()
    assert job.status == "ready" and renders["pdf"] == 1


def test_the_render_thread_beats_while_the_browser_works(monkeypatch):
    import threading

    from analytics import report_render

    monkeypatch.setattr(report_render, "HEARTBEAT_SECONDS", 0)
    beats = []
    done = threading.Event()

    def work(record):
        record(30)
        done.wait(2)  # released once the caller has heard from it a few times
        return "file"

    def progress(percent):
        beats.append(percent)
        if len(beats) >= 3:
            done.set()

    assert report_render._in_thread(work, progress) == "file"
    assert beats[:3] == [30, 30, 30]
