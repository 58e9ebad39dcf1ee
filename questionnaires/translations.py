"""Bring the translations of a questionnaire definition to a questionnaire already in the database.

A published questionnaire is frozen (`FrozenWhenPublished`): its structure and English texts never
change, but its French, Spanish and Arabic texts may, through `save(update_fields=[...])`. This is
how translations written after publication (or corrected later) reach a questionnaire that campaigns
and answers already use, without making a new version.
"""

from __future__ import annotations

from django.db import models, transaction

from .models import LANGUAGE_CODES, Choice, Question, Questionnaire, Section

TRANSLATION_LANGUAGES = LANGUAGE_CODES[1:]


class DefinitionMismatch(ValueError):
    """The definition is not the one the questionnaire was made from (another slug or version)."""


@transaction.atomic
def questionnaire_translations_update(*, questionnaire: Questionnaire, definition: dict) -> int:
    """Copy the non-English texts of `definition` (presentation hints included) onto the questionnaire,
    its sections, questions and own choices. Returns the number of rows changed: a second run with the same
    definition changes nothing (0). A language missing from the definition leaves the stored text alone,
    so a translation entered another way (the admin) is not erased; English and structure are never touched.

    Sections are matched by position (as `questionnaire_create` numbers them), questions by code,
    own choices by code within their question. A fixed number of reads, one write per changed row.
    """
    if (definition["slug"], definition["version"]) != (questionnaire.slug, questionnaire.version):
        raise DefinitionMismatch(
            f"Definition {definition['slug']} v{definition['version']} does not describe "
            f"questionnaire {questionnaire.slug} v{questionnaire.version}."
        )
    questionnaire.refresh_from_db()  # compare with what is stored, not with a stale instance
    changed = _update(
        questionnaire,
        {
            "title": definition.get("title"),
            "description": definition.get("description"),
            "annex_title": definition.get("annex_title"),
        },
    )

    sections = {section.position: section for section in Section.objects.filter(questionnaire=questionnaire)}
    questions = {question.code: question for question in Question.objects.filter(questionnaire=questionnaire)}
    choices = {
        (choice.question_id, choice.code): choice
        for choice in Choice.objects.filter(question__questionnaire=questionnaire).select_related("question")
    }
    for section_index, section_def in enumerate(definition["sections"], start=1):
        section = sections.get(section_index)
        # Positions are the only key of a section: check it is the same section before translating it.
        if section is not None and section.title_en == (section_def.get("title") or {}).get("en"):
            changed += _update(
                section, {"title": section_def.get("title"), "description": section_def.get("description")}
            )
        for question_def in section_def["questions"]:
            question = questions.get(question_def["code"])
            if question is None:
                continue
            presentation = question_def.get("presentation") or {}
            changed += _update(
                question,
                {
                    "label": question_def.get("label"),
                    "help": question_def.get("help"),
                    "chart_title": presentation.get("title"),
                    "report_summary": presentation.get("summary"),
                },
            )
            for choice_def in question_def.get("choices", []):
                choice = choices.get((question.pk, choice_def["code"]))
                if choice is not None:
                    changed += _update(
                        choice,
                        {
                            "label": choice_def.get("label"),
                            "description": choice_def.get("description"),
                            "report_phrase": choice_def.get("report_phrase"),
                        },
                    )
    return changed


def _update(obj: models.Model, texts_by_field: dict[str, dict[str, str] | None]) -> int:
    """Set the translation columns that differ; save only those (allowed on a published questionnaire)."""
    update_fields = []
    for field, values in texts_by_field.items():
        for language in TRANSLATION_LANGUAGES:
            value = (values or {}).get(language, "")
            column = f"{field}_{language}"
            if value and getattr(obj, column) != value:
                setattr(obj, column, value)
                update_fields.append(column)
    if not update_fields:
        return 0
    obj.save(update_fields=update_fields)
    return 1
