"""Fixtures of the analytics tests: Celery in-process unless a test says otherwise, and small campaigns
built with factories whose figures are computed by hand in the tests."""

from __future__ import annotations

import pytest

from iscm_survey.celery import app as celery_app
from iscm_survey.publish import broker_failure_forget
from questionnaires.models import ChoiceList, Iscm, Question, Questionnaire
from questionnaires.services import response_submit
from tests import factories


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Tasks run in-process, as with no broker configured, even when CI sets CELERY_BROKER_URL.

    Tests marked `services` talk to the real broker and keep the configuration as it is.
    """
    if "services" in request.keywords:
        yield
        return
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(saved)


class Survey:
    """A campaign of a small questionnaire: `multi` (a, b, c, d, e: multiple choice), `single` (yes, no:
    single choice), `skipped` (x, y: multiple choice nobody answers in most tests) and `note` (text)."""

    def __init__(self, *, skipped_list: ChoiceList | None = None):
        # built as a draft, then published: a published questionnaire is locked
        self.campaign = factories.CampaignFactory(
            slug="small-survey", questionnaire__status=Questionnaire.Status.DRAFT
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
            section=section,
            code="skipped",
            type=Question.Type.MULTIPLE_CHOICE,
            position=3,
            label_en="Nobody",
            choice_list=skipped_list,
        )
        if skipped_list is None:
            factories.choices_create(self.skipped, ["x", "y"])
        self.note = factories.QuestionFactory(
            section=section, code="note", type=Question.Type.LONG_TEXT, position=4, label_en="Comments"
        )
        Questionnaire.objects.filter(pk=questionnaire.pk).update(status=Questionnaire.Status.PUBLISHED)
        questionnaire.refresh_from_db()
        self._n = 0

    def iscm(self, *, region: str = "Africa", iscm_type: str = Iscm.Type.RCP, acronym: str | None = None):
        self._n += 1
        iscm = factories.IscmFactory(acronym=acronym or f"T{self._n:03d}", region=region, type=iscm_type)
        factories.invite(self.campaign, iscm)
        return iscm

    def submit(self, answers: dict, **iscm_kwargs):
        """An invited ISCM submits `answers` through the real service (which requests a recompute)."""
        iscm = self.iscm(**iscm_kwargs)
        response = factories.ResponseFactory(campaign=self.campaign, iscm=iscm)
        result = response_submit(response=response, user=None, answers=answers, expected_version=None)
        return result.response

    def draft(self, answers: dict, **iscm_kwargs):
        from questionnaires.services import response_save_draft

        iscm = self.iscm(**iscm_kwargs)
        response = factories.ResponseFactory(campaign=self.campaign, iscm=iscm)
        return response_save_draft(
            response=response, user=None, answers=answers, expected_version=None
        ).response


@pytest.fixture
def survey(db):
    return Survey()


def submit_hand_computed(survey: Survey) -> dict[str, object]:
    """Four submitted responses and one draft whose figures are worked out by hand:

        multi   R1 a b · R2 a c · R3 a b c · R4 d      → a 3, b 2, c 2, d 1, e 0; base 4; selections 8
                                                        ranks a 1, b 2, c 2, d 4, e 5
        single  R1 yes · R2 yes · R3 no · R4 —         → yes 2, no 1; base 3; selections 3
        skipped nobody                                 → base 0: no percentages, every choice rank 1
        draft   multi c d e, single no                 → never counted
    R1, R2 are RCPs of Africa; R3 an IRF of Africa; R4 an RCP of the Americas.
    """
    responses = {
        "R1": survey.submit(
            {"multi": ["a", "b"], "single": "yes", "note": "First <b>note</b>"}, acronym="R1"
        ),
        "R2": survey.submit({"multi": ["a", "c"], "single": "yes"}, acronym="R2"),
        "R3": survey.submit(
            {"multi": ["a", "b", "c"], "single": "no", "note": "مرحبا\nsecond line"},
            acronym="R3",
            iscm_type=Iscm.Type.IRF,
        ),
        "R4": survey.submit({"multi": ["d"]}, acronym="R4", region="Americas"),
        "draft": survey.draft({"multi": ["c", "d", "e"], "single": "no", "note": "draft note"}, acronym="D1"),
    }
    return responses


def reset_publisher_pools() -> None:
    """Forget the app's broker connections, as Celery does after a fork, so that the next publish
    connects to the broker URL configured now (tests change it on the app and put it back)."""
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    broker_failure_forget()  # publishers skip for a few seconds after a failure: start afresh
