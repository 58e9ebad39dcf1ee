"""Realistic synthetic answers to the bundled questionnaire, without Django (the load client uses it too).

Realistic means, taken from the bundled 2023 demo answers (questionnaires/data/demo_responses_2023.json):
- choice popularity: each choice is picked with a weight from its count in the demo (plus a little, so
  that rare choices still appear): skewed, GCM objective 23 and SDG 10 near the top, as in the seed;
- how many choices a response ticks: drawn around the demo's numbers; at most 5 for the priority
  questions (`max_choices`), usually 5;
- texts: sentences of the demo's own answers, a few hundred characters (log-normal, median ~300),
  some paragraphs, some accents and Arabic, some empty; a few start with "-" or "=" (spreadsheet
  formula triggers, which the CSV export must neutralise);
- the display condition: `gcm_review_format` only when `gcm_review_plan` is yes or undecided.
"""

from __future__ import annotations

import csv
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "questionnaires" / "data"
QUESTIONNAIRE_FILE = DATA_DIR / "questionnaire_iscm_contributions.json"
DEMO_FILE = DATA_DIR / "demo_responses_2023.json"
LIST_FILES = {"sdg": "sdgs.csv", "gcm": "gcm_objectives.csv"}

# How often a question is left empty by a response that was submitted.
EMPTY_RATE = {
    "respondent_role": 0.10,
    "respondent_email": 0.20,
    "short_text": 0.10,
    "long_text": 0.25,
    "multiple_choice": 0.05,
    "single_choice": 0.08,
}
MEDIAN_TEXT_CHARS = 300
EXTRA_SENTENCES = [
    "Les États membres ont échangé sur la migration de main-d'œuvre et la protection des travailleurs.",
    "La coopération régionale reste la priorité du secrétariat pour l'année à venir.",
    "Los Estados miembros compartieron prácticas sobre la integración de las personas migrantes.",
    "ناقشت الدول الأعضاء تعزيز مسارات الهجرة النظامية وحماية المهاجرين.",
    "Data on remittances (SDG 10.c) are collected with the national statistics offices.",
]
FIRST_NAMES = [
    "Amina",
    "José",
    "Hala",
    "Ngozi",
    "Pierre",
    "Li",
    "Fatou",
    "Olga",
    "Rahul",
    "Ana",
    "Kwame",
    "Sofía",
]
LAST_NAMES = [
    "Mansour",
    "García",
    "Okafor",
    "Dubois",
    "Wang",
    "Diallo",
    "Ivanova",
    "Sharma",
    "Silva",
    "Mensah",
]
ASCII = str.maketrans("éíáóúñ", "eiaoun")


@dataclass
class QuestionPlan:
    code: str
    type: str
    required: bool
    max_choices: int | None
    max_length: int | None
    codes: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    picks: list[int] = field(default_factory=list)  # how many choices each demo response ticked
    show_if: dict | None = None


class AnswerMaker:
    """`answers(rng)` → {question code: text | choice code | [choice codes]}, as the web form sends them."""

    def __init__(self, definition: dict, list_codes: dict[str, list[str]], demo: dict):
        demo_answers = [entry["answers"] for entry in demo["responses"]]
        self.questions: list[QuestionPlan] = []
        sentences: list[str] = []
        roles: list[str] = []
        for section in definition["sections"]:
            for question in section["questions"]:
                code, kind = question["code"], question["type"]
                codes = (
                    list_codes[question["choice_list"]]
                    if question.get("choice_list")
                    else [choice["code"] for choice in question.get("choices", [])]
                )
                plan = QuestionPlan(
                    code=code,
                    type=kind,
                    required=bool(question.get("required")),
                    max_choices=question.get("max_choices"),
                    max_length=question.get("max_length")
                    or {"short_text": 300, "email": 254}.get(kind, 10000),
                    codes=codes,
                    show_if=question.get("show_if"),
                )
                if codes:
                    counts = dict.fromkeys(codes, 0)
                    for answers in demo_answers:
                        value = answers.get(code)
                        picked = value if isinstance(value, list) else ([value] if value else [])
                        for choice in picked:
                            if choice in counts:
                                counts[choice] += 1
                        if picked:
                            plan.picks.append(len(picked))
                    plan.weights = [counts[choice] + 0.3 for choice in codes]
                for answers in demo_answers:
                    value = answers.get(code)
                    if kind == "long_text" and value:
                        sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", value) if len(s) > 20)
                    if code == "respondent_role" and value:
                        roles.append(value)
                self.questions.append(plan)
        self.sentences = sentences + EXTRA_SENTENCES
        self.roles = roles or ["Secretariat officer"]

    @classmethod
    def bundled(cls) -> AnswerMaker:
        definition = json.loads(QUESTIONNAIRE_FILE.read_text(encoding="utf-8"))
        demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        list_codes = {}
        for code, filename in LIST_FILES.items():
            with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
                list_codes[code] = [row["number"] for row in csv.DictReader(handle)]
        return cls(definition, list_codes, demo)

    # --- one response -------------------------------------------------------------------------

    def answers(self, rng: random.Random, *, complete: bool = True) -> dict[str, object]:
        """Every question's answer ("" or [] when left empty). `complete=False`: a draft, half done."""
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        answers: dict[str, object] = {}
        for index, plan in enumerate(self.questions):
            if not complete and index >= len(self.questions) // 2:
                answers[plan.code] = [] if plan.type == "multiple_choice" else ""
                continue
            if plan.show_if and not _shown(plan.show_if, answers):
                answers[plan.code] = [] if plan.type == "multiple_choice" else ""
                continue
            empty_rate = EMPTY_RATE.get(plan.code, EMPTY_RATE.get(plan.type, 0.0))
            if not plan.required and rng.random() < empty_rate:
                answers[plan.code] = [] if plan.type == "multiple_choice" else ""
                continue
            answers[plan.code] = self._value(plan, rng, first, last)
        return answers

    def _value(self, plan: QuestionPlan, rng: random.Random, first: str, last: str) -> object:
        if plan.type == "multiple_choice":
            typical = rng.choice(plan.picks) if plan.picks else 3
            if plan.max_choices:
                # most respondents use all their picks: weights 1, 2, ..., max-1, then 2 × max
                weights = [*range(1, plan.max_choices), 2 * plan.max_choices]
                count = rng.choices(range(1, plan.max_choices + 1), weights=weights)[0]
            else:
                count = typical + rng.randint(-2, 2)
            count = max(1, min(count, len(plan.codes), plan.max_choices or len(plan.codes)))
            picked = set(_weighted_sample(plan.codes, plan.weights, count, rng))
            return [code for code in plan.codes if code in picked]
        if plan.type == "single_choice":
            return rng.choices(plan.codes, weights=plan.weights)[0]
        if plan.type == "email":
            return f"{first}.{last}@example.org".translate(ASCII).lower()
        if plan.type == "short_text":
            text = f"{first} {last}" if plan.code == "respondent_name" else rng.choice(self.roles)
            return text[: plan.max_length].strip()
        return self.text(rng, limit=plan.max_length or 5000)

    def text(self, rng: random.Random, *, limit: int) -> str:
        target = min(limit, int(rng.lognormvariate(math.log(MEDIAN_TEXT_CHARS), 0.6)))
        parts: list[str] = []
        length = 0
        while length < target:
            sentence = rng.choice(self.sentences)
            separator = "\n\n" if parts and rng.random() < 0.15 else " "
            parts.append((separator if parts else "") + sentence)
            length += len(parts[-1])
        text = "".join(parts)[:limit].rstrip()
        roll = rng.random()
        if roll < 0.05:
            text = ("- " + text)[:limit]  # a bullet list: a formula trigger in a spreadsheet
        elif roll < 0.06:
            text = ("=" + text)[:limit]
        return text


def _shown(condition: dict, answers: dict[str, object]) -> bool:
    value = answers.get(condition["question"])
    values = value if isinstance(value, list) else [value]
    return any(item in condition["values"] for item in values)


def _weighted_sample(codes: list[str], weights: list[float], count: int, rng: random.Random) -> list[str]:
    """`count` distinct codes, each drawn with its weight (Efraimidis–Spirakis keys)."""
    keyed = sorted(
        ((rng.random() ** (1.0 / weight), code) for code, weight in zip(codes, weights, strict=True))
    )
    return [code for _key, code in keyed[-count:]]


def form_fields(answers: dict[str, object]) -> list[tuple[str, str]]:
    """The answers as the browser posts them: one pair per ticked box, empty strings for empty fields."""
    pairs: list[tuple[str, str]] = []
    for code, value in answers.items():
        if isinstance(value, list):
            pairs.extend((code, item) for item in value)
        else:
            pairs.append((code, str(value)))
    return pairs
