"""Builders shared by the CSV tests: a small questionnaire with every question type, and helpers to run
the export and import commands on files."""

import csv
import io

from django.core.management import call_command

from questionnaires.models import Questionnaire
from questionnaires.services import response_import
from tests import factories


def survey_create(*, iscms=("ALPHA", "BETA", "GAMMA"), long_texts=()):
    """A published questionnaire with every question type (and the extra long-text questions
    `long_texts`), a campaign, and invited ISCMs."""
    # Built as a draft, then published: published questionnaires are frozen.
    questionnaire = factories.QuestionnaireFactory(slug="csv-survey", status=Questionnaire.Status.DRAFT)
    section = factories.SectionFactory(questionnaire=questionnaire, position=1, title_en="All types")
    q = {}

    def question(code, kind, **kwargs):
        q[code] = factories.QuestionFactory(
            section=section, questionnaire=questionnaire, code=code, type=kind, **kwargs
        )
        return q[code]

    question("name", "short_text", required=True)
    question("notes", "long_text", max_length=2000)
    question("email", "email")
    question("staff", "integer")
    question("budget", "decimal")
    question("founded_on", "date")
    factories.choices_create(question("plan", "single_choice"), ["yes", "no", "undecided"])
    factories.choices_create(
        question("formats", "multiple_choice", show_if_question=q["plan"], show_if_values=["yes", "undecided"]),
        ["online", "in_person", "hybrid"],
    )
    factories.choices_create(question("goals", "multiple_choice", max_choices=5), [str(n) for n in range(1, 24)])
    for code in long_texts:
        question(code, "long_text")
    Questionnaire.objects.filter(pk=questionnaire.pk).update(status=Questionnaire.Status.PUBLISHED)
    questionnaire.refresh_from_db()
    campaign = factories.CampaignFactory(slug="csv-campaign", questionnaire=questionnaire)
    invited = [factories.IscmFactory(acronym=acronym, region="Africa") for acronym in iscms]
    factories.invite(campaign, *invited)
    return campaign, invited


def answer(campaign, iscm, answers, *, status="submitted", submitted_at=None, user=None):
    return response_import(
        campaign=campaign, iscm=iscm, user=user, answers=answers, status=status, submitted_at=submitted_at
    )


def export(slug, path, *args):
    call_command("export_responses", slug, "-o", str(path), *args, stderr=io.StringIO())
    return path.read_bytes()


def import_file(slug, path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_responses", slug, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows_of(data: bytes):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def dicts_of(data: bytes):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_of(rows, *, delimiter=",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode("utf-8")

