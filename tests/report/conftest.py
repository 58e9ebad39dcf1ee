"""Fixtures of the report tests: the report URLs, Celery in-process, files under a temporary MEDIA_ROOT,
and small campaigns built with factories."""

from __future__ import annotations

import pytest

from analytics import report_files
from analytics.services import aggregates_recompute
from iscm_survey.celery import app as celery_app
from questionnaires.models import Iscm, Question, Questionnaire
from questionnaires.services import response_submit
from tests import factories

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def report_settings(settings, tmp_path):
    settings.ROOT_URLCONF = "tests.report.urls"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks run in-process, as with no broker configured, even when CI sets CELERY_BROKER_URL."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=False)
    yield
    celery_app.conf.update(saved)


class Survey:
    """A campaign of a small questionnaire (not the bundled one): `multi` (a–e, multiple choice),
    `single` (yes, no), `skipped` (x, y: nobody answers), `practices` (long text), `contact` (short text)."""

    def __init__(self, slug: str = "small-survey"):
        self.campaign = factories.CampaignFactory(
            slug=slug, title_en="Small survey", questionnaire__status=Questionnaire.Status.DRAFT
        )
        questionnaire = self.campaign.questionnaire
        section = factories.SectionFactory(questionnaire=questionnaire, position=1, title_en="Only section")
        self.multi = factories.QuestionFactory(
            section=section,
            code="multi",
            type=Question.Type.MULTIPLE_CHOICE,
            position=1,
            label_en="Pick some",
        )
        factories.choices_create(self.multi, ["a", "b", "c", "d", "e"])
        self.single = factories.QuestionFactory(
            section=section, code="single", type=Question.Type.SINGLE_CHOICE, position=2, label_en="Yes or no"
        )
        factories.choices_create(self.single, ["yes", "no"])
        self.skipped = factories.QuestionFactory(
            section=section, code="skipped", type=Question.Type.MULTIPLE_CHOICE, position=3, label_en="Nobody"
        )
        factories.choices_create(self.skipped, ["x", "y"])
        self.practices = factories.QuestionFactory(
            section=section, code="practices", type=Question.Type.LONG_TEXT, position=4, label_en="Practices"
        )
        self.contact = factories.QuestionFactory(
            section=section, code="contact", type=Question.Type.SHORT_TEXT, position=5, label_en="Contact"
        )
        Questionnaire.objects.filter(pk=questionnaire.pk).update(status=Questionnaire.Status.PUBLISHED)
        questionnaire.refresh_from_db()
        self._n = 0

    def iscm(self, *, acronym: str | None = None, name: str | None = None, region: str = "Africa"):
        self._n += 1
        acronym = acronym or f"T{self._n:03d}"
        iscm = factories.IscmFactory(
            acronym=acronym, name=name or f"Dialogue {acronym}", region=region, type=Iscm.Type.RCP
        )
        factories.invite(self.campaign, iscm)
        return iscm

    def submit(self, answers: dict, **iscm_kwargs):
        iscm = self.iscm(**iscm_kwargs)
        response = factories.ResponseFactory(campaign=self.campaign, iscm=iscm)
        return response_submit(response=response, user=None, answers=answers, expected_version=None).response


@pytest.fixture
def survey(db):
    return Survey()


FAKE_PDF = b"%PDF-1.7 fake report"


def _png_1px() -> bytes:
    """A valid 1×1 white PNG, for the DOCX's chart pictures."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


PNG_1PX = _png_1px()


@pytest.fixture
def renders(monkeypatch):
    """Fake browser: counts the renders; the DOCX itself is built for real from the fake pictures."""
    calls = {"pdf": 0, "images": 0}

    def fake_pdf(report, *, progress=lambda _p: None):
        calls["pdf"] += 1
        progress(60)
        return FAKE_PDF

    def fake_images(report, *, progress=lambda _p: None):
        calls["images"] += 1
        return {finding["chart_id"]: PNG_1PX for s in report["sections"] for finding in s["findings"]}

    monkeypatch.setattr(report_files, "render_pdf", fake_pdf)
    monkeypatch.setattr(report_files, "render_chart_images", fake_images)
    return calls


@pytest.fixture
def answered(survey):
    """Three responses, the figures computed and stored (figures_as_of set)."""
    survey.submit(
        {"multi": ["a", "b"], "single": "yes", "practices": "We meet.\n\n- often"}, name="Beta dialogue"
    )
    survey.submit(
        {"multi": ["a", "c"], "single": "yes", "contact": "secret@example.org"}, name="Alpha dialogue"
    )
    survey.submit({"multi": ["b", "c"], "single": "no", "practices": f"Ours: {XSS_SCRIPT}\n- {XSS_IMG}"})
    aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    return survey


@pytest.fixture
def generate(client, django_capture_on_commit_callbacks):
    """POST to a generate URL, running what the view leaves for after the commit (publishing the task,
    which runs in-process), as it happens outside the test's transaction."""

    def post(url: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url)

    return post
