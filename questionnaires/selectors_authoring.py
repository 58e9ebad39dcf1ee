"""Reads of the questionnaire editor: the list of questionnaires and the map of one version."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch

from .models import Campaign, Questionnaire, Section
from .numbering import question_numbers
from .schema import QuestionnaireSchema, QuestionSchema, text_in


@dataclass(frozen=True)
class QuestionnaireFamily:
    """The versions of one questionnaire (one slug), newest first, each with its campaigns."""

    slug: str
    versions: list[Questionnaire]

    @property
    def latest(self) -> Questionnaire:
        return self.versions[0]


def questionnaire_families() -> list[QuestionnaireFamily]:
    """Every questionnaire with its versions and the campaigns using each (two queries)."""
    versions = Questionnaire.objects.order_by("slug", "-version").prefetch_related(
        Prefetch("campaigns", queryset=Campaign.objects.order_by("-opens_at"))
    )
    return [QuestionnaireFamily(slug, list(rows)) for slug, rows in groupby(versions, key=lambda row: row.slug)]


@dataclass(frozen=True)
class MapQuestion:
    schema: QuestionSchema
    number: str  # "Q3.1"
    label: str  # in the editing language (English when not translated)
    first: bool  # first or last of the whole questionnaire: it cannot move further
    last: bool

    @property
    def id(self) -> int:
        return self.schema.id

    @property
    def code(self) -> str:
        return self.schema.code


@dataclass(frozen=True)
class MapSection:
    id: int
    position: int
    title: str
    questions: tuple[MapQuestion, ...]


def questionnaire_map(questionnaire: Questionnaire, schema: QuestionnaireSchema, language: str) -> list[MapSection]:
    """Sections in order (the empty ones too, which the schema leaves out) with their questions (one query)."""
    by_section = {section.id: section.questions for section in schema.sections}
    numbers = question_numbers(schema)
    codes = list(schema.questions)
    return [
        MapSection(
            id=section.pk,
            position=section.position,
            title=text_in({"en": section.title_en, language: getattr(section, f"title_{language}")}, language),
            questions=tuple(
                MapQuestion(
                    schema=question,
                    number=numbers[question.code],
                    label=question.label_in(language),
                    first=question.code == codes[0],
                    last=question.code == codes[-1],
                )
                for question in by_section.get(section.pk, ())
            ),
        )
        for section in Section.objects.filter(questionnaire=questionnaire).order_by("position", "id")
    ]


def questions_before(
    sections: list[MapSection], *, question_id: int | None = None, section_id: int | None = None
) -> list[QuestionSchema]:
    """The questions a display condition may use: those before `question_id`, or, for a new question
    added at the end of `section_id`, those up to the end of that section."""
    earlier: list[QuestionSchema] = []
    for section in sections:
        for question in section.questions:
            if question.id == question_id:
                return earlier
            earlier.append(question.schema)
        if section.id == section_id:
            return earlier
    return earlier
