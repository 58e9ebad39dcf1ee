"""Fabricated answers for the demo's closed campaign "Demo cycle 2025 (synthetic answers)".

Its only purpose is to let a new user see a campaign comparison at once. The answers are derived from
the 2023 demo answers with seeded random changes (the same on every run), so they differ plausibly
from 2023: each choice list has a few choices that gain ground and one that loses it, and individual
ISCMs add and drop choices. Nothing here is IOM's data: the campaign is flagged `synthetic`, its title
says so, and its free-text answers say so too.

Generic over the questionnaire: choice questions, their choices, `max_choices` and show-if rules come
from the questionnaire in the database, never from hard-coded question codes.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from .models import Question, Questionnaire

SEED = 2025
SLUG = "demo-cycle-2025-synthetic"
TITLES = {
    "en": "Demo cycle 2025 (synthetic answers)",
    "fr": "Cycle de démonstration 2025 (réponses synthétiques)",
    "es": "Ciclo de demostración 2025 (respuestas sintéticas)",
    "ar": "دورة تجريبية 2025 (إجابات اصطناعية)",
}
OPENS_AT = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
CLOSES_AT = datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC)
RESPONDENTS_KEPT = 13  # of the 2023 respondents
NEWCOMERS = 3  # invited ISCMs that did not respond in 2023
SYNTHETIC_TEXT = "Synthetic demo answer: not written by this ISCM, not IOM data."
SYNTHETIC_NAME = "Synthetic respondent"
SYNTHETIC_EMAIL = "synthetic@example.org"


@dataclass(frozen=True)
class _ChoiceQuestion:
    code: str
    multiple: bool
    codes: tuple[str, ...]
    max_choices: int | None
    show_if: tuple[str, tuple[str, ...]] | None
    list_code: str


def _choice_questions(questionnaire: Questionnaire) -> list[_ChoiceQuestion]:
    questions = Question.objects.filter(
        questionnaire=questionnaire, type__in=[Question.Type.SINGLE_CHOICE, Question.Type.MULTIPLE_CHOICE]
    ).select_related("show_if_question", "choice_list", "section")
    return [
        _ChoiceQuestion(
            code=q.code,
            multiple=q.type == Question.Type.MULTIPLE_CHOICE,
            codes=tuple(q.choices_queryset().order_by("position", "id").values_list("code", flat=True)),
            max_choices=q.max_choices,
            show_if=(q.show_if_question.code, tuple(q.show_if_values or ())) if q.show_if_question_id else None,
            list_code=q.choice_list.code if q.choice_list_id else q.code,
        )
        for q in questions.order_by("section__position", "position", "id")
    ]


def synthetic_entries(
    questionnaire: Questionnaire, answered_2023: list[dict], newcomers_pool: list[str], *, seed: int = SEED
) -> list[dict]:
    """Entries for `response_import` (iscm, status, submitted_at, answers): RESPONDENTS_KEPT of the 2023
    respondents and NEWCOMERS ISCMs of `newcomers_pool`, all submitted in spring 2025."""
    rng = random.Random(seed)
    questions = _choice_questions(questionnaire)
    text_questions = list(Question.objects.filter(questionnaire=questionnaire, type__in=Question.TEXT_TYPES))
    # per choice list: a few choices that gain ground, one that loses it (the "story" of the demo)
    trends: dict[str, tuple[set[str], set[str]]] = {}
    for question in questions:
        if question.list_code not in trends and len(question.codes) > 6:
            moving = rng.sample(question.codes, 3)
            trends[question.list_code] = ({moving[0], moving[1]}, {moving[2]})
    by_iscm = {entry["iscm"]: entry for entry in answered_2023}
    kept = rng.sample(sorted(by_iscm), RESPONDENTS_KEPT)
    newcomers = rng.sample(sorted(newcomers_pool), min(NEWCOMERS, len(newcomers_pool)))
    entries = []
    for day, acronym in enumerate(sorted(kept + newcomers)):
        base = by_iscm.get(acronym) or by_iscm[rng.choice(sorted(by_iscm))]
        answers = _text_answers(text_questions, base["answers"])
        for question in questions:
            chosen = _perturbed(rng, question, base["answers"].get(question.code), trends.get(question.list_code))
            if chosen:
                answers[question.code] = chosen
        for question in questions:  # a follow-up question stays unanswered when its condition does not hold
            if question.show_if and answers.get(question.show_if[0]) not in question.show_if[1]:
                answers.pop(question.code, None)
        submitted = OPENS_AT + datetime.timedelta(days=3 + 2 * day, hours=9 + day % 6)
        entries.append(
            {"iscm": acronym, "status": "submitted", "submitted_at": submitted.isoformat(), "answers": answers}
        )
    return entries


def _text_answers(text_questions: list[Question], answers: dict) -> dict:
    """Long free-text answers replaced by a text that says it is synthetic, other texts left out; a
    required text question gets a placeholder that names no one."""
    texts = {}
    for question in text_questions:
        if question.type == Question.Type.LONG_TEXT and answers.get(question.code):
            texts[question.code] = SYNTHETIC_TEXT
        elif question.required:
            texts[question.code] = SYNTHETIC_EMAIL if question.type == Question.Type.EMAIL else SYNTHETIC_NAME
    return texts


def _perturbed(
    rng: random.Random, question: _ChoiceQuestion, previous, trend: tuple[set[str], set[str]] | None
) -> list[str] | str | None:
    rising, falling = trend or (set(), set())
    if not question.multiple:
        if previous in question.codes and rng.random() < 0.8:
            return previous
        return rng.choice(question.codes)
    before = [code for code in (previous or []) if code in question.codes]
    chosen = []
    for code in question.codes:
        if code in before:
            keep = rng.random() > (0.4 if code in falling else 0.12)
        else:
            keep = rng.random() < (0.3 if code in rising else 0.05)
        if keep:
            chosen.append(code)
    if not chosen and before:
        chosen = [before[0]]
    if question.max_choices and len(chosen) > question.max_choices:
        chosen = sorted(rng.sample(chosen, question.max_choices), key=question.codes.index)
    return chosen
