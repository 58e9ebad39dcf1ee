"""Questionnaires are data: a JSON definition (sections, questions, choices, texts per language)
becomes rows here. Reference lists (SDGs, GCM objectives) and the ISCM registry load from CSV.

A list of items (a repeat group) is a question of type `list_of_items` with `min_items`, `max_items`
and `item_fields`: questions without a section of their own or a display condition, each of any other
type (a choice field may use a shared list, `"choice_list": "gcm"`), with an optional `practice_role`
(title, description, year, link, gcm, sdg) when the items are practices for the practices library
(see docs/practices.md)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import LANGUAGE_CODES, Choice, ChoiceList, Iscm, Question, Questionnaire, Section
from .schema import CHART_KINDS, DENOMINATORS, ITEMS_LIMIT, questionnaire_schema

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
            question = _question_create(
                question_def,
                lists,
                questionnaire=questionnaire,
                section=section,
                position=position,
                show_if_question=by_code[condition["question"]] if condition else None,
                show_if_values=condition.get("values", []),
                min_items=question_def.get("min_items"),
                max_items=question_def.get("max_items"),
            )
            by_code[question.code] = question
            item_defs = question_def.get("item_fields", [])
            if (question.type == Question.Type.LIST_OF_ITEMS) != bool(item_defs):
                raise ValueError(f"{question.code}: a list_of_items question, and only one, has item_fields")
            for item_def in item_defs:
                if item_def["type"] == Question.Type.LIST_OF_ITEMS or "show_if" in item_def:
                    raise ValueError(f"{item_def['code']}: an item field is neither a list nor conditional")
                position += 1
                by_code[item_def["code"]] = _question_create(
                    item_def,
                    lists,
                    questionnaire=questionnaire,
                    section=section,
                    position=position,
                    item_of=question,
                    practice_role=item_def.get("practice_role", ""),
                )
    if publish:
        questionnaire.status = Questionnaire.Status.PUBLISHED
        questionnaire.published_at = timezone.now()
        questionnaire.save(update_fields=["status", "published_at"])
    return questionnaire


def _question_create(definition: dict, lists: dict[str, ChoiceList], **fields) -> Question:
    """One question (or item field) of a definition, with its own choices."""
    question = Question.objects.create(
        code=definition["code"],
        type=definition["type"],
        required=definition.get("required", False),
        max_choices=definition.get("max_choices"),
        max_length=definition.get("max_length"),
        choice_list=lists[definition["choice_list"]] if definition.get("choice_list") else None,
        **texts("label", definition["label"]),
        **texts("help", definition.get("help")),
        **presentation_fields(definition.get("presentation")),
        **fields,
    )
    Choice.objects.bulk_create(
        Choice(
            question=question,
            code=choice_def["code"],
            position=choice_index,
            **texts("label", choice_def["label"]),
            **texts("description", choice_def.get("description")),
            **texts("report_phrase", choice_def.get("report_phrase")),
        )
        for choice_index, choice_def in enumerate(definition.get("choices", []), start=1)
    )
    return question


# --- definitions from outside (JSON files, XLSForms): checked, then loaded as a new draft ------------

CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")
QUESTION_CODE_MAX = Question._meta.get_field("code").max_length
CHOICE_CODE_MAX = Choice._meta.get_field("code").max_length
SLUG_MAX = Questionnaire._meta.get_field("slug").max_length
SHORT_TEXT_MAX = 500  # titles and choice labels are CharField(500) (models.translated_fields)


class DefinitionInvalid(ValueError):
    """A definition that cannot become a questionnaire; `problems` says why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def definition_problems(definition: object) -> list[str]:
    """Every reason why `definition` cannot be loaded, one line each ([] when it can): the shape of the
    file, duplicate codes, unknown types and lists, conditions on a missing, later or non-choice
    question or on unknown choices, limits that do not fit the question. Reads the shared lists."""
    if not isinstance(definition, dict):
        return [_("The definition is not a JSON object with a title and sections.")]
    problems: list[str] = []
    problems += _texts_problems(definition.get("title"), _("the questionnaire's title"), limit=SHORT_TEXT_MAX)
    problems += _texts_problems(definition.get("description"), _("the questionnaire's description"), required=False)
    problems += _texts_problems(
        definition.get("annex_title"), _("the title of the report's annex"), required=False, limit=SHORT_TEXT_MAX
    )
    slug = definition.get("slug")
    if not isinstance(slug, str) or not slugify(slug) or slugify(slug) != slug or len(slug) > SLUG_MAX:
        problems.append(
            _("The questionnaire's slug %(slug)r is not a slug (letters, digits, - and _, at most %(max)d).")
            % {"slug": slug, "max": SLUG_MAX}
        )
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.append(_("The questionnaire has no sections."))
        return problems
    shared = {
        choice_list.code: [choice.code for choice in choice_list.choices.all()]
        for choice_list in ChoiceList.objects.prefetch_related("choices")
    }
    earlier: dict[str, dict] = {}  # questions seen so far, by code
    for index, section_def in enumerate(sections, start=1):
        where = _("section %(number)d") % {"number": index}
        if not isinstance(section_def, dict):
            problems.append(_("%(where)s is not an object with a title and questions.") % {"where": where})
            continue
        problems += _texts_problems(section_def.get("title"), where, limit=SHORT_TEXT_MAX)
        problems += _texts_problems(section_def.get("description"), where, required=False)
        questions = section_def.get("questions")
        if not isinstance(questions, list) or not questions:
            problems.append(_("%(where)s has no questions.") % {"where": where})
            continue
        for question_def in questions:
            problems += _question_problems(question_def, where, earlier, shared)
    return problems


def _texts_problems(values: object, where: str, *, required: bool = True, limit: int | None = None) -> list[str]:
    if values is None and not required:
        return []
    if not isinstance(values, dict) or any(not isinstance(value, str) for value in values.values()):
        return [_('%(where)s: texts are given as {"en": "…", "fr": "…"}.') % {"where": where}]
    problems = []
    unknown = sorted(set(values) - set(LANGUAGE_CODES))
    if unknown:
        problems.append(
            _("%(where)s: language %(languages)s is not supported (en, fr, es, ar).")
            % {"where": where, "languages": ", ".join(unknown)}
        )
    if required and not values.get("en", "").strip():
        problems.append(_("%(where)s: the English text is missing.") % {"where": where})
    if limit and any(len(value) > limit for value in values.values()):
        problems.append(_("%(where)s: a text is longer than %(max)d characters.") % {"where": where, "max": limit})
    return problems


def _question_problems(question_def: object, section: str, earlier: dict[str, dict], shared: dict) -> list[str]:
    if not isinstance(question_def, dict):
        return [_("%(where)s: a question is not an object with a code, a type and a label.") % {"where": section}]
    code = question_def.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.match(code) or len(code) > QUESTION_CODE_MAX:
        return [
            _("%(where)s: the question code %(code)r is not a code (letters, digits, - and _, at most %(max)d).")
            % {"where": section, "code": code, "max": QUESTION_CODE_MAX}
        ]
    where = _("question %(code)s") % {"code": code}
    problems = []
    if code in earlier:
        problems.append(_("%(where)s: the code is used twice.") % {"where": where})
    question_type = question_def.get("type")
    if question_type not in Question.Type.values:
        problems.append(_("%(where)s: type %(type)r is not supported.") % {"where": where, "type": question_type})
    problems += _texts_problems(question_def.get("label"), where)
    problems += _texts_problems(question_def.get("help"), where, required=False)
    is_choice = question_type in Question.CHOICE_TYPES
    codes = _choice_codes(question_def, where, is_choice, shared, problems)
    problems += _limit_problems(question_def, where, question_type, codes)
    problems += _condition_problems(question_def, where, earlier)
    problems += _presentation_problems(question_def.get("presentation"), where, codes)
    earlier[code] = {"type": question_type, "codes": codes}
    problems += _items_problems(question_def, where, earlier, shared)
    return problems


def _items_problems(question_def: dict, where: str, earlier: dict[str, dict], shared: dict) -> list[str]:
    """A list of items: its bounds and item fields (checked as questions, without conditions or lists)."""
    is_list = question_def.get("type") == Question.Type.LIST_OF_ITEMS
    item_defs = question_def.get("item_fields")
    if not is_list:
        keys = [key for key in ("item_fields", "min_items", "max_items") if key in question_def]
        if keys:
            return [_("%(where)s: only a list of items has %(keys)s.") % {"where": where, "keys": ", ".join(keys)}]
        return []
    problems = []
    bounds = [question_def.get(key) for key in ("min_items", "max_items")]
    if any(bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)) for bound in bounds) or any(
        bound is not None and not 0 <= bound <= ITEMS_LIMIT for bound in bounds
    ):
        problems.append(
            _("%(where)s: min_items and max_items are whole numbers from 0 to %(max)d.")
            % {"where": where, "max": ITEMS_LIMIT}
        )
    elif None not in bounds and bounds[0] > bounds[1]:
        problems.append(_("%(where)s: min_items is more than max_items.") % {"where": where})
    if not isinstance(item_defs, list) or not item_defs:
        return [*problems, _("%(where)s: a list of items needs item_fields.") % {"where": where}]
    for item_def in item_defs:
        if isinstance(item_def, dict) and (
            item_def.get("type") == Question.Type.LIST_OF_ITEMS or "show_if" in item_def
        ):
            problems.append(
                _("%(where)s: an item field is neither a list nor conditional (%(code)s).")
                % {"where": where, "code": item_def.get("code")}
            )
            continue
        problems += _question_problems(item_def, where, earlier, shared)
        role = item_def.get("practice_role", "") if isinstance(item_def, dict) else ""
        if role not in ("", *Question.PracticeRole.values):
            problems.append(
                _("%(where)s: the practice role %(role)r is not one of %(roles)s.")
                % {"where": where, "role": role, "roles": ", ".join(Question.PracticeRole.values)}
            )
    return problems


def _choice_codes(question_def: dict, where: str, is_choice: bool, shared: dict, problems: list[str]) -> list[str]:
    """The question's choice codes (own or shared); appends what is wrong with its choices to `problems`."""
    own = question_def.get("choices") or []
    list_code = question_def.get("choice_list")
    if not is_choice:
        if own or list_code:
            problems.append(_("%(where)s: only a choice question has choices.") % {"where": where})
        return []
    if list_code:
        if own:
            problems.append(_("%(where)s: give its own choices or a shared list, not both.") % {"where": where})
        if list_code not in shared:
            problems.append(_("%(where)s: there is no shared list %(list)r.") % {"where": where, "list": list_code})
        return list(shared.get(list_code, []))
    if not isinstance(own, list) or not own:
        problems.append(_("%(where)s: a choice question needs choices.") % {"where": where})
        return []
    codes: list[str] = []
    for choice_def in own:
        if not isinstance(choice_def, dict):
            problems.append(_("%(where)s: a choice is not an object with a code and a label.") % {"where": where})
            continue
        choice_code = choice_def.get("code")
        if not isinstance(choice_code, str) or not choice_code.strip() or len(choice_code) > CHOICE_CODE_MAX:
            problems.append(
                _("%(where)s: the choice code %(code)r is empty or longer than %(max)d characters.")
                % {"where": where, "code": choice_code, "max": CHOICE_CODE_MAX}
            )
            continue
        choice_where = _("%(where)s, choice %(code)s") % {"where": where, "code": choice_code}
        if choice_code in codes:
            problems.append(_("%(where)s: the code is used twice.") % {"where": choice_where})
        problems += _texts_problems(choice_def.get("label"), choice_where, limit=SHORT_TEXT_MAX)
        problems += _texts_problems(choice_def.get("description"), choice_where, required=False)
        problems += _texts_problems(choice_def.get("report_phrase"), choice_where, required=False, limit=SHORT_TEXT_MAX)
        codes.append(choice_code)
    return codes


def _limit_problems(question_def: dict, where: str, question_type: object, codes: list[str]) -> list[str]:
    problems = []
    if not isinstance(question_def.get("required", False), bool):
        problems.append(_("%(where)s: “required” is true or false.") % {"where": where})
    max_choices = question_def.get("max_choices")
    if max_choices is not None:
        if question_type != Question.Type.MULTIPLE_CHOICE:
            problems.append(
                _("%(where)s: only a multiple choice question has a maximum of choices.") % {"where": where}
            )
        elif not isinstance(max_choices, int) or isinstance(max_choices, bool) or not 1 <= max_choices <= len(codes):
            problems.append(
                _("%(where)s: the maximum of choices must be between 1 and the number of choices (%(count)d).")
                % {"where": where, "count": len(codes)}
            )
    max_length = question_def.get("max_length")
    if max_length is not None:
        if question_type not in Question.TEXT_TYPES:
            problems.append(_("%(where)s: only a text question has a maximum length.") % {"where": where})
        elif not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= 100_000:
            problems.append(
                _("%(where)s: the maximum length must be a whole number from 1 to 100000.") % {"where": where}
            )
    return problems


def _condition_problems(question_def: dict, where: str, earlier: dict[str, dict]) -> list[str]:
    condition = question_def.get("show_if")
    if not condition:
        return []
    if not isinstance(condition, dict) or not isinstance(condition.get("values"), list) or not condition["values"]:
        return [_('%(where)s: a condition is {"question": code, "values": [choice codes]}.') % {"where": where}]
    on = condition.get("question")
    if on == question_def.get("code"):
        return [_("%(where)s: the condition is on the question itself.") % {"where": where}]
    target = earlier.get(on) if isinstance(on, str) else None
    if target is None:
        return [
            _("%(where)s: the condition is on %(question)r, which is not an earlier question.")
            % {"where": where, "question": on}
        ]
    if target["type"] not in Question.CHOICE_TYPES:
        return [
            _("%(where)s: the condition is on %(question)s, which is not a choice question.")
            % {"where": where, "question": on}
        ]
    unknown = [str(value) for value in condition["values"] if value not in target["codes"]]
    if unknown:
        return [
            _("%(where)s: the condition names %(values)s, which are not choices of %(question)s.")
            % {"where": where, "values": ", ".join(unknown), "question": on}
        ]
    return []


def _presentation_problems(presentation: object, where: str, codes: list[str]) -> list[str]:
    if presentation is None:
        return []
    if not isinstance(presentation, dict):
        return [_("%(where)s: “presentation” is an object.") % {"where": where}]
    problems = []
    if presentation.get("chart", "bars") not in CHART_KINDS:
        problems.append(_("%(where)s: the chart is bars, donut or none.") % {"where": where})
    if presentation.get("denominator", "respondents") not in DENOMINATORS:
        problems.append(_("%(where)s: the denominator is respondents or selections.") % {"where": where})
    top = presentation.get("top", 0)
    if not isinstance(top, int) or isinstance(top, bool) or top < 0:
        problems.append(_("%(where)s: “top” is a whole number.") % {"where": where})
    problems += _texts_problems(presentation.get("title"), where, required=False, limit=SHORT_TEXT_MAX)
    problems += _texts_problems(presentation.get("summary"), where, required=False, limit=SHORT_TEXT_MAX)
    for key in ("positive", "negative"):
        values = presentation.get(key, [])
        if not isinstance(values, list) or any(value not in codes for value in values):
            problems.append(
                _("%(where)s: the positive and negative answers must be choices of the question.") % {"where": where}
            )
    if not isinstance(presentation.get("coverage", False), bool):
        problems.append(_("%(where)s: “coverage” is true or false.") % {"where": where})
    return problems


@transaction.atomic
def questionnaire_draft_import(definition: object) -> Questionnaire:
    """A new DRAFT version from an outside definition: its slug, the next free version number (the
    definition's own version is ignored). Raises `DefinitionInvalid` (and creates nothing) when
    `definition_problems` finds anything."""
    problems = definition_problems(definition)
    if problems:
        raise DefinitionInvalid(problems)
    latest = Questionnaire.objects.filter(slug=definition["slug"]).aggregate(latest=Max("version"))["latest"]
    return questionnaire_create({**definition, "version": (latest or 0) + 1}, publish=False)


def definition_export(questionnaire: Questionnaire) -> dict:
    """A questionnaire version as a definition (the format `questionnaire_create` loads), read from its
    compiled schema: loading it again gives the same schema. Empty texts are left out."""
    schema = questionnaire_schema(questionnaire)
    definition: dict = {
        "slug": schema.slug,
        "version": schema.version,
        "title": _present(schema.titles),
    }
    description = _present({code: getattr(questionnaire, f"description_{code}") for code in LANGUAGE_CODES})
    if description:
        definition["description"] = description
    if _present(schema.annex_titles):
        definition["annex_title"] = _present(schema.annex_titles)
    definition["sections"] = []
    for section in schema.sections:
        section_def: dict = {"title": _present(section.titles)}
        if _present(section.descriptions):
            section_def["description"] = _present(section.descriptions)
        section_def["questions"] = [_question_export(question) for question in section.questions]
        definition["sections"].append(section_def)
    return definition


def _present(values) -> dict[str, str]:
    return {code: values[code] for code in LANGUAGE_CODES if values.get(code)}


def _question_export(question) -> dict:
    question_def: dict = {"code": question.code, "type": question.type, "label": _present(question.labels)}
    if _present(question.helps):
        question_def["help"] = _present(question.helps)
    if question.required:
        question_def["required"] = True
    if question.max_choices is not None:
        question_def["max_choices"] = question.max_choices
    if question.max_length is not None:
        question_def["max_length"] = question.max_length
    if question.choice_list:
        question_def["choice_list"] = question.choice_list
    elif question.is_choice:
        question_def["choices"] = [_choice_export(choice) for choice in question.choices]
    if question.show_if:
        question_def["show_if"] = {"question": question.show_if, "values": list(question.show_if_values)}
    if question.hints.explicit:
        question_def["presentation"] = _presentation_export(question.hints)
    if question.is_list:
        for key in ("min_items", "max_items"):
            if getattr(question, key) is not None:
                question_def[key] = getattr(question, key)
        question_def["item_fields"] = [_question_export(field) for field in question.items]
    if question.practice_role:
        question_def["practice_role"] = question.practice_role
    return question_def


def _choice_export(choice) -> dict:
    choice_def: dict = {"code": choice.code, "label": _present(choice.labels)}
    if _present(choice.descriptions):
        choice_def["description"] = _present(choice.descriptions)
    if _present(choice.report_phrases):
        choice_def["report_phrase"] = _present(choice.report_phrases)
    return choice_def


def _presentation_export(hints) -> dict:
    """The hints in their shortest form: chart and top always (their defaults depend on the question),
    the others only when they differ from the default."""
    presentation: dict = {"chart": hints.chart, "top": hints.top}
    if hints.denominator != "respondents":
        presentation["denominator"] = hints.denominator
    if hints.positive:
        presentation["positive"] = list(hints.positive)
    if hints.negative:
        presentation["negative"] = list(hints.negative)
    if hints.coverage:
        presentation["coverage"] = True
    if _present(hints.titles):
        presentation["title"] = _present(hints.titles)
    if _present(hints.summaries):
        presentation["summary"] = _present(hints.summaries)
    return presentation
