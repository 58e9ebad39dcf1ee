"""Presentation hints: read from the JSON definition into the compiled schema, defaulted from the question
type when absent, and set on existing installs of the bundled 2023 questionnaire by migration 0008."""

from __future__ import annotations

import copy
import importlib

import pytest
from django.apps import apps

from questionnaires.definitions import (
    DATA_DIR,
    definition_read,
    presentation_fields,
    questionnaire_create,
    reference_lists_load,
)
from questionnaires.schema import questionnaire_schema
from questionnaires.services import questionnaire_new_version

pytestmark = pytest.mark.django_db

BUNDLED = DATA_DIR / "questionnaire_iscm_contributions.json"
hints_migration = importlib.import_module("questionnaires.migrations.0008_h13_report_hints")


def _hints(questionnaire):
    schema = questionnaire_schema(questionnaire)
    return (
        schema.annex_titles,
        {code: question.hints for code, question in schema.questions.items()},
        {
            (code, choice.code): choice.report_phrases
            for code, question in schema.questions.items()
            for choice in question.choices
            if not question.choice_list
        },
    )


def _without_hints(definition: dict) -> dict:
    bare = copy.deepcopy(definition)
    bare.pop("annex_title")
    for section in bare["sections"]:
        for question in section["questions"]:
            question.pop("presentation", None)
            for choice in question.get("choices", []):
                choice.pop("report_phrase", None)
    return bare


def test_the_migration_gives_an_existing_install_the_hints_of_the_json_definition():
    reference_lists_load()
    definition = definition_read(BUNDLED)
    from_json = questionnaire_create(definition)
    bare = _without_hints(definition)
    bare["version"] = 99
    installed = questionnaire_create(bare)
    hints_migration.bundled_hints_set(apps, None)
    installed.refresh_from_db()
    assert _hints(installed) == _hints(from_json)
    review = questionnaire_schema(installed).question("gcm_review_plan").hints
    assert (review.chart, review.positive, review.negative) == ("donut", ("yes",), ("no",))


def test_without_hints_the_question_type_decides():
    reference_lists_load()
    bare = _without_hints(definition_read(BUNDLED))
    bare["slug"] = "another-questionnaire"
    schema = questionnaire_schema(questionnaire_create(bare))
    multiple, single = schema.question("sdg_priority").hints, schema.question("gcm_review_plan").hints
    assert (multiple.chart, multiple.denominator, multiple.top) == ("bars", "respondents", 3)
    assert (single.chart, single.positive, single.title_in("en")) == ("donut", (), "")
    assert schema.question("hlpf_message").hints.chart == "none"
    assert schema.annex_title == ""


@pytest.mark.parametrize("presentation", [{"chart": "pie"}, {"denominator": "everyone"}])
def test_an_unknown_chart_or_denominator_is_refused_at_load(presentation):
    with pytest.raises(ValueError, match="presentation"):
        presentation_fields(presentation)


def test_a_new_version_keeps_the_hints():
    reference_lists_load()
    published = questionnaire_create(definition_read(BUNDLED))
    draft = questionnaire_new_version(questionnaire=published)
    assert _hints(draft) == _hints(published)
