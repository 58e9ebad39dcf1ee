"""Questionnaires are data: a JSON definition (sections, questions, choices, texts per language)
becomes rows here. Reference lists (SDGs, GCM objectives) and the ISCM registry load from CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .models import LANGUAGE_CODES, Choice, ChoiceList, Iscm, Question, Questionnaire, Section
from .schema import CHART_KINDS, DENOMINATORS

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_LISTS = {
    "sdg": ("Sustainable Development Goals", "sdgs.csv"),
    "gcm": ("GCM objectives", "gcm_objectives.csv"),
}
# The regions of the bundled registry (iscms.csv), so that the catalogues hold them: pages show an ISCM's
# region as `gettext(iscm.region)` (a region typed in by hand stays as typed).
REGION_NAMES = (
    gettext_noop("Africa"),
    gettext_noop("Americas"),
    gettext_noop("Asia-Pacific"),
    gettext_noop("Europe"),
    gettext_noop("Global"),
    gettext_noop("Inter-regional"),
    gettext_noop("Middle East/Arab region"),
)


def texts(field: str, values: dict[str, str] | None) -> dict[str, str]:
    """{"en": "...", "fr": "..."} → {"label_en": "...", "label_fr": "...", ...}, empty where missing."""
    values = values or {}
    return {f"{field}_{code}": values.get(code, "") for code in LANGUAGE_CODES}


def presentation_fields(presentation: dict | None) -> dict[str, object]:
    """A question's "presentation" hints of the JSON definition → `Question` columns (docs/report.md):
    chart ("bars", "donut", "none"), denominator ("respondents", "selections"), top (how many leading
    choices the report names), title and summary (texts per language; "{choices}" in a summary stands for
    the leading choices), positive and negative (single choice: choice codes), coverage (true/false)."""
    presentation = presentation or {}
    if presentation.get("chart", "") not in ("", *CHART_KINDS):
        raise ValueError(f"presentation.chart must be one of {', '.join(CHART_KINDS)}")
    if presentation.get("denominator", "") not in ("", *DENOMINATORS):
        raise ValueError(f"presentation.denominator must be one of {', '.join(DENOMINATORS)}")
    return {
        "chart_kind": presentation.get("chart", ""),
        "chart_denominator": presentation.get("denominator", ""),
        "report_top": presentation.get("top"),
        "positive_choices": presentation.get("positive", []),
        "negative_choices": presentation.get("negative", []),
        "report_coverage": presentation.get("coverage", False),
        **texts("chart_title", presentation.get("title")),
        **texts("report_summary", presentation.get("summary")),
    }


def reference_lists_load(data_dir: Path = DATA_DIR) -> None:
    """The SDG and GCM lists: code = number, label = short title, description = full official title.

    Translations, when a `<file>.<lang>.csv` with the same numbers exists next to the English file.
    """
    for code, (name, filename) in REFERENCE_LISTS.items():
        choice_list, _created = ChoiceList.objects.update_or_create(code=code, defaults={"name": name})
        by_language = {"en": _read_reference(data_dir / filename)}
        for language in LANGUAGE_CODES[1:]:
            path = data_dir / filename.replace(".csv", f".{language}.csv")
            if path.exists():
                by_language[language] = _read_reference(path)
        for number in by_language["en"]:
            defaults = {"position": int(number)}
            for language, rows in by_language.items():
                short_t, full_t = rows.get(number, ("", ""))
                defaults[f"label_{language}"] = short_t
                defaults[f"description_{language}"] = full_t
            Choice.objects.update_or_create(choice_list=choice_list, code=number, defaults=defaults)


def _read_reference(path: Path) -> dict[str, tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["number"]: (row["short_title"], row["full_title"]) for row in csv.DictReader(handle)}


def iscm_registry_load(path: Path = DATA_DIR / "iscms.csv") -> list[dict[str, str]]:
    """Create or update every ISCM of the registry; returns the rows (with the 2023 invitation flags)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        Iscm.objects.update_or_create(
            acronym=row["acronym"],
            defaults={
                "name": row["name"],
                "type": row["type"],
                "region": row["region"],
                "founded": int(row["founded"]) if row["founded"] else None,
                "website": row.get("website", ""),
            },
        )
    return rows


def definition_read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def questionnaire_create(definition: dict, *, publish: bool = True) -> Questionnaire:
    """Create a questionnaire version from its definition; an existing (slug, version) is left alone."""
    existing = Questionnaire.objects.filter(slug=definition["slug"], version=definition["version"]).first()
    if existing:
        return existing
    questionnaire = Questionnaire.objects.create(
        slug=definition["slug"],
        version=definition["version"],
        **texts("title", definition["title"]),
        **texts("description", definition.get("description")),
        **texts("annex_title", definition.get("annex_title")),
    )
    lists = {choice_list.code: choice_list for choice_list in ChoiceList.objects.all()}
    by_code: dict[str, Question] = {}
    position = 0
    for section_index, section_def in enumerate(definition["sections"], start=1):
        section = Section.objects.create(
            questionnaire=questionnaire,
            position=section_index,
            **texts("title", section_def["title"]),
            **texts("description", section_def.get("description")),
        )
        for question_def in section_def["questions"]:
            position += 1
            condition = question_def.get("show_if") or {}
            question = Question.objects.create(
                questionnaire=questionnaire,
                section=section,
                position=position,
                code=question_def["code"],
                type=question_def["type"],
                required=question_def.get("required", False),
                max_choices=question_def.get("max_choices"),
                max_length=question_def.get("max_length"),
                choice_list=lists[question_def["choice_list"]] if question_def.get("choice_list") else None,
                show_if_question=by_code[condition["question"]] if condition else None,
                show_if_values=condition.get("values", []),
                **texts("label", question_def["label"]),
                **texts("help", question_def.get("help")),
                **presentation_fields(question_def.get("presentation")),
            )
            by_code[question.code] = question
            Choice.objects.bulk_create(
                Choice(
                    question=question,
                    code=choice_def["code"],
                    position=choice_index,
                    **texts("label", choice_def["label"]),
                    **texts("description", choice_def.get("description")),
                    **texts("report_phrase", choice_def.get("report_phrase")),
                )
                for choice_index, choice_def in enumerate(question_def.get("choices", []), start=1)
            )
    if publish:
        questionnaire.status = Questionnaire.Status.PUBLISHED
        questionnaire.published_at = timezone.now()
        questionnaire.save(update_fields=["status", "published_at"])
    return questionnaire
