"""XLSForm in and out: the spreadsheet format of ODK, KoboToolbox and pyxform (docs/xlsform.md).

Import reads an .xlsx XLSForm (sheets `survey`, `choices`, `settings`) with openpyxl into OUR definition
dict, then loads it through `definitions.questionnaire_draft_import` — the same checks and the same loader
as a JSON definition, so there is one path into the database. Everything the form says that this app
cannot represent (nested repeats, calculations, geopoints, a `relevant` our display conditions cannot express…)
is listed row by row and nothing is created.

Export writes any version as an XLSForm that pyxform converts (tests check it with pyxform's converter):
labels and hints in four `label::English (en)`-style columns, groups for sections, notes for the
descriptions, `relevant` and `constraint` for conditions and limits, and the shared SDG/GCM lists as
choice lists named `sdg` and `gcm` (on import, a list whose codes and English labels are those of a
shared list becomes that shared list again).

Mapping (both ways):
    text                       short text      text + appearance multiline  long text
    text + constraint regex(., '…@…')  e-mail  integer, decimal, date       the same
    select_one L / select_multiple L  single / multiple choice (own choices, or shared list L)
    note                       section description (questionnaire description outside groups)
    begin_group … end_group    section
    begin_repeat … end_repeat  list of items, the rows inside being its item fields (one level)
    required yes               required
    relevant ${q} = 'a' or selected(${q}, 'b')   shown if q (earlier choice question) is a or b
    constraint count-selected(.) <= N            max choices
    constraint string-length(.) <= N             max length
Extension columns that pyxform and KoboToolbox ignore carry what XLSForm has no column for: the
questionnaire's title in other languages (settings `form_title_fr` …; pyxform takes no translated
title) and its report annex's title (`annex_title_en` …), choice descriptions and report phrases
(choices `description_fr` …, `report_phrase_fr` …)
and the dashboards' and report's presentation hints (survey `chart`, `chart_denominator`, `report_top`,
`positive_choices`, `negative_choices`, `report_coverage`, `chart_title_fr` …, `report_summary_fr` …),
a list's bounds (`min_items`, `max_items` on its begin_repeat row) and an item field's `practice_role`.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .definitions import (
    CHART_KINDS,
    DENOMINATORS,
    DefinitionInvalid,
    definition_export,
    questionnaire_draft_import,
)
from .models import LANGUAGE_CODES, ActivityEvent, ChoiceList, Question, Questionnaire
from .schema import QuestionnaireSchema, QuestionSchema, questionnaire_schema
from .services_activity import activity_record

LANGUAGE_COLUMNS = {"en": "English (en)", "fr": "French (fr)", "es": "Spanish (es)", "ar": "Arabic (ar)"}
# Language names as forms write them without a code in parentheses ("label::Français").
LANGUAGE_NAMES = {
    "english": "en",
    "anglais": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "arabic": "ar",
    "arabe": "ar",
    "العربية": "ar",
}
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MULTILINE = "multiline"
HINT_COLUMNS = ("chart", "chart_denominator", "report_top", "positive_choices", "negative_choices", "report_coverage")
CHOICE_TEXT_COLUMNS = ("description", "report_phrase")  # choices sheet: + _en, _fr, _es, _ar
HINT_TEXT_COLUMNS = {"title": "chart_title", "summary": "report_summary"}  # + _en, _fr, _es, _ar
LIST_COLUMNS = ("min_items", "max_items", "practice_role")  # a repeat's bounds; an item field's role

# Limits that keep a junk upload cheap: read at most this many rows and report at most this many problems.
MAX_ROWS = 2000
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 10 * 1024 * 1024  # a large XLSForm is a few hundred kB unpacked
MAX_PROBLEMS = 100
EMPTY_ROWS_END = 60  # as pyxform: a run of empty rows ends a sheet

# Form metadata rows: collected by ODK/Kobo on the device, not questions; skipped.
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "simserial",
    "subscriberid",
    "username",
    "email",
    "audit",
}
SCALAR_TYPES = {
    "integer": Question.Type.INTEGER,
    "int": Question.Type.INTEGER,
    "decimal": Question.Type.DECIMAL,
    "date": Question.Type.DATE,
}
SELECT_TYPES = {
    "select_one": Question.Type.SINGLE_CHOICE,
    "select one": Question.Type.SINGLE_CHOICE,
    "select_multiple": Question.Type.MULTIPLE_CHOICE,
    "select multiple": Question.Type.MULTIPLE_CHOICE,
    "select all that apply": Question.Type.MULTIPLE_CHOICE,
}
BEGIN_GROUP = {"begin_group", "begin group"}
END_GROUP = {"end_group", "end group"}
BEGIN_REPEAT = {"begin_repeat", "begin repeat"}
END_REPEAT = {"end_repeat", "end repeat"}
# Survey columns whose content we cannot represent: a row that fills one is refused.
UNSUPPORTED_COLUMNS = ("calculation", "default", "choice_filter", "repeat_count", "read_only", "trigger", "parameters")
UNSUPPORTED_PREFIXES = ("media::", "image", "audio", "video", "bind::", "body::", "instance::")

CLAUSE_EQUALS = re.compile(r"""^\$\{([^}\s]+)\}\s*=\s*(['"])(.*?)\2$""")
CLAUSE_SELECTED = re.compile(r"""^selected\(\s*\$\{([^}\s]+)\}\s*,\s*(['"])(.*?)\2\s*\)$""")
COUNT_SELECTED = re.compile(r"^count-selected\(\s*\.\s*\)\s*<=\s*(\d+)$")
STRING_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")
REGEX = re.compile(r"""^regex\(\s*\.\s*,\s*(['"])(.*)\1\s*\)$""")
TRUE_WORDS = {"yes", "true", "true()", "1"}
FALSE_WORDS = {"", "no", "false", "false()", "0"}


# --- a questionnaire file in or out: .xlsx (XLSForm) or .json (our definition) ----------------------

FILE_FORMATS = ("xlsx", "json")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def file_format(filename: str) -> str | None:
    extension = Path(filename).suffix.lower().lstrip(".")
    return extension if extension in FILE_FORMATS else None


@transaction.atomic
def questionnaire_file_import(data: bytes, *, filename: str, user: AbstractBaseUser | None = None) -> Questionnaire:
    """A new draft from an XLSForm (.xlsx) or a JSON definition (.json), by the file's extension; raises
    `DefinitionInvalid` with every problem (and creates nothing) when it cannot be one. Recorded in the
    activity log."""
    questionnaire = _file_import(data, filename=filename)
    activity_record(
        kind=ActivityEvent.Kind.IMPORT,
        actor=user,
        detail=f"questionnaire {questionnaire.slug} v{questionnaire.version} (draft) from {filename}",
    )
    return questionnaire


def _file_import(data: bytes, *, filename: str) -> Questionnaire:
    fmt = file_format(filename)
    if fmt is None:
        raise DefinitionInvalid([_("Give an XLSForm (.xlsx) or a JSON definition (.json).")])
    if len(data) > MAX_UPLOAD_BYTES:
        raise DefinitionInvalid(
            [_("This file is larger than %(mb)d MB: it is not a questionnaire.") % {"mb": MAX_UPLOAD_BYTES >> 20}]
        )
    if fmt == "xlsx":
        return xlsform_import(data, filename=filename)
    try:
        definition = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DefinitionInvalid([_("This file is not JSON (%(error)s).") % {"error": error}]) from None
    return questionnaire_draft_import(definition)


def questionnaire_file_export(questionnaire: Questionnaire, fmt: str, *, user: AbstractBaseUser | None = None) -> bytes:
    """The version as an XLSForm workbook ("xlsx") or as our JSON definition ("json"); recorded in the
    activity log."""
    activity_record(
        kind=ActivityEvent.Kind.EXPORT,
        actor=user,
        detail=f"questionnaire {questionnaire.slug} v{questionnaire.version} as {fmt}",
    )
    if fmt == "xlsx":
        return xlsform_bytes(questionnaire)
    text = json.dumps(definition_export(questionnaire), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def export_filename(questionnaire: Questionnaire, fmt: str) -> str:
    return f"{questionnaire.slug}-v{questionnaire.version}.{fmt}"


# --- import --------------------------------------------------------------------------------------------


class XlsformInvalid(DefinitionInvalid):
    """The file is not an XLSForm we can represent; `problems` lists every reason, one line each."""


def xlsform_import(data: bytes, *, filename: str = "") -> Questionnaire:
    """A new draft questionnaire from an XLSForm's bytes; raises `DefinitionInvalid` (nothing created)."""
    definition = xlsform_definition(data, filename=filename)
    return questionnaire_draft_import(definition)


def xlsform_definition(data: bytes, *, filename: str = "") -> dict:
    """The XLSForm as our definition dict; raises `XlsformInvalid` with every problem, row by row."""
    sheets = _read_workbook(data)
    reader = _FormReader(sheets, filename=filename)
    definition = reader.definition()
    if reader.problems:
        problems = reader.problems
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [_("… and more problems, not shown: %(count)d.") % {"count": more}]
        raise XlsformInvalid(problems)
    return definition


@dataclass
class _Sheet:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (Excel row number, {header: text}) for each non-empty row
    truncated: bool = False


def _read_workbook(data: bytes) -> dict[str, _Sheet]:
    """The XLSForm sheets (lower-cased names) as rows of texts; raises `XlsformInvalid` when the file
    is not a workbook, is a zip bomb, or has no `survey` sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    not_a_workbook = XlsformInvalid([_("This file is not an Excel workbook (.xlsx): save the XLSForm as .xlsx.")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise not_a_workbook from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise XlsformInvalid(
            [_("This workbook is too large once unpacked (more than %(mb)d MB): it is not a questionnaire.")
             % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}]
        )  # fmt: skip
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise not_a_workbook from None
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        if "survey" not in names:
            raise XlsformInvalid(
                [_("This workbook has no “survey” sheet: it is not an XLSForm (sheets survey, choices, settings).")]
            )
        return {key: _read_sheet(workbook[names[key]]) for key in ("survey", "choices", "settings") if key in names}
    finally:
        workbook.close()


def _read_sheet(sheet) -> _Sheet:
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    headers = [_header(value) for value in next(rows, ())]
    result = _Sheet(headers=headers, rows=[])
    empty_run = 0
    for number, values in enumerate(rows, start=2):
        cells = {
            headers[index]: text
            for index, value in enumerate(values[: len(headers)])
            if headers[index] and (text := _cell_text(value))
        }
        if not cells:
            empty_run += 1
            if empty_run >= EMPTY_ROWS_END:
                break
            continue
        empty_run = 0
        if len(result.rows) >= MAX_ROWS:
            result.truncated = True
            break
        result.rows.append((number, cells))
    return result


def _header(value: object) -> str:
    """`Label :: French (fr)` → `label::French (fr)`: the column name lower-cased, the language as written."""
    text = re.sub(r"\s+", " ", str(value if value is not None else "")).strip()
    if "::" in text:
        base, _sep, language = text.partition("::")
        return f"{base.strip().lower()}::{language.strip()}"
    return text.lower()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _language_code(name: str) -> str | None:
    """`French (fr)`, `fr`, `Français` → "fr"; None for a language this app does not have."""
    match = re.search(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$", name)
    code = (match.group(1) if match else name).strip().lower()
    if code in LANGUAGE_CODES:
        return code
    return LANGUAGE_NAMES.get(code)


@dataclass
class _Section:
    titles: dict[str, str]
    descriptions: list[dict[str, str]] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)


class _FormReader:
    """Reads the sheets into a definition, collecting every problem with its sheet and row."""

    def __init__(self, sheets: dict[str, _Sheet], *, filename: str) -> None:
        self.sheets = sheets
        self.filename = filename
        self.problems: list[str] = []
        self.item_codes: set[str] = set()  # the fields of lists of items (no condition may name one)

    def problem(self, sheet: str, row: int | None, message: str) -> None:
        if row is None:
            self.problems.append(_("%(sheet)s: %(problem)s") % {"sheet": sheet, "problem": message})
        else:
            self.problems.append(
                _("%(sheet)s row %(row)d: %(problem)s") % {"sheet": sheet, "row": row, "problem": message}
            )

    # columns per language

    def language_columns(self, sheet: str, base: str, default: str) -> dict[str, str]:
        """{language code: column} for a translatable column (`label`, `label::French (fr)`…); a plain
        `label` is in the form's default language. Unknown languages are problems."""
        columns: dict[str, str] = {}
        headers = self.sheets[sheet].headers
        if base in headers:
            columns[default] = base
        for header in headers:
            if not header.startswith(f"{base}::"):
                continue
            code = _language_code(header.partition("::")[2])
            if code is None:
                self.problem(
                    sheet,
                    None,
                    _("column “%(column)s”: this language is not supported (English, French, Spanish, Arabic).")
                    % {"column": header},
                )
            elif header != columns.get(code):
                columns[code] = header
        return columns

    @staticmethod
    def texts(cells: dict[str, str], columns: dict[str, str]) -> dict[str, str]:
        return {code: cells[column] for code, column in columns.items() if cells.get(column)}

    # the sheets

    def definition(self) -> dict:
        settings = self.settings()
        choice_lists = self.choice_lists(settings["default_language"])
        sections, description = self.survey(settings, choice_lists)
        definition = {
            "slug": settings["slug"],
            "version": 1,
            "title": settings["title"],
            "sections": [
                {
                    "title": section.titles,
                    **({"description": _joined(section.descriptions)} if section.descriptions else {}),
                    "questions": section.questions,
                }
                for section in sections
            ],
        }
        if description:
            definition["description"] = _joined(description)
        if settings["annex_title"]:
            definition["annex_title"] = settings["annex_title"]
        return definition

    def settings(self) -> dict:
        sheet = self.sheets.get("settings")
        cells = sheet.rows[0][1] if sheet and sheet.rows else {}
        default_language = "en"
        if cells.get("default_language"):
            default_language = _language_code(cells["default_language"]) or ""
            if not default_language:
                self.problem(
                    "settings",
                    2,
                    _("default_language “%(language)s” is not supported (English, French, Spanish, Arabic).")
                    % {"language": cells["default_language"]},
                )
                default_language = "en"
        stem = Path(self.filename).stem
        # pyxform has one untranslated title: it is the English one; `form_title_fr` … are ours.
        title = {"en": cells.get("form_title") or cells.get("form_id") or stem}
        for code in LANGUAGE_CODES[1:]:
            if cells.get(f"form_title_{code}"):
                title[code] = cells[f"form_title_{code}"]
        slug = slugify(cells.get("form_id") or title.get("en") or stem)[:80].strip("-")
        if not title.get("en"):
            self.problem("settings", None, _("the form has no title in English (form_title)."))
        if not slug:
            self.problem("settings", None, _("the form has no form_id (the questionnaire's short name)."))
        annex_title = {
            code: cells[f"annex_title_{code}"] for code in LANGUAGE_CODES if cells.get(f"annex_title_{code}")
        }
        return {"title": title, "slug": slug, "default_language": default_language, "annex_title": annex_title}

    def choice_lists(self, default_language: str) -> dict[str, list[dict]]:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return {}
        if sheet.truncated:
            self.problem("choices", None, _("more than %(max)d rows: this is not a questionnaire.") % {"max": MAX_ROWS})
        label_columns = self.language_columns("choices", "label", default_language)
        extension_columns = {
            key: {code: f"{key}_{code}" for code in LANGUAGE_CODES if f"{key}_{code}" in sheet.headers}
            for key in CHOICE_TEXT_COLUMNS
        }
        list_column = "list_name" if "list_name" in sheet.headers else "list name"
        lists: dict[str, list[dict]] = {}
        for row, cells in sheet.rows:
            list_name, code = cells.get(list_column, ""), cells.get("name", "")
            if not list_name or not code:
                self.problem("choices", row, _("a choice needs a list_name and a name."))
                continue
            choices = lists.setdefault(list_name, [])
            if any(choice["code"] == code for choice in choices):
                self.problem(
                    "choices",
                    row,
                    _("the name “%(name)s” is used twice in the list “%(list)s”.") % {"name": code, "list": list_name},
                )
                continue
            label = self.texts(cells, label_columns)
            if not label.get("en"):
                self.problem("choices", row, _("the English label is empty."))
            choice = {"code": code, "label": label}
            for key, columns in extension_columns.items():
                if values := self.texts(cells, columns):
                    choice[key] = values
            choices.append(choice)
        return lists

    def survey(self, settings: dict, choice_lists: dict[str, list[dict]]) -> tuple[list[_Section], list[dict]]:
        sheet = self.sheets["survey"]
        for column in ("type", "name"):
            if column not in sheet.headers:
                self.problem("survey", None, _("there is no “%(column)s” column.") % {"column": column})
        if "type" not in sheet.headers:
            return [], []
        if sheet.truncated:
            self.problem("survey", None, _("more than %(max)d rows: this is not a questionnaire.") % {"max": MAX_ROWS})
        default = settings["default_language"]
        columns = {
            "label": self.language_columns("survey", "label", default),
            "hint": self.language_columns("survey", "hint", default),
        }
        shared = _shared_lists()
        sections: list[_Section] = []
        description: list[dict] = []  # notes outside groups
        current: _Section | None = None
        open_blocks: list[str] = []  # "group" / "repeat", innermost last
        current_list: dict | None = None  # the list of items (repeat) whose item fields the rows are
        seen: dict[str, tuple[int, dict]] = {}  # question code → (row, question definition)
        for row, cells in sheet.rows:
            row_type = re.sub(r"\s+", " ", cells.get("type", "")).strip()
            kind = row_type.lower()
            label = self.texts(cells, columns["label"])
            if kind in BEGIN_GROUP:
                open_blocks.append("group")
                if "repeat" in open_blocks[:-1]:
                    self.problem(
                        "survey", row, _("a group inside a repeat is not supported: item fields are one level.")
                    )
                    continue
                if open_blocks.count("group") > 1:
                    self.problem("survey", row, _("a group inside a group is not supported: sections are one level."))
                    continue
                if cells.get("relevant"):
                    self.problem("survey", row, _("a condition (relevant) on a group is not supported."))
                current = _Section(titles=label or {"en": cells.get("name", "")})
                if not current.titles.get("en"):
                    self.problem("survey", row, _("the group has no English label."))
                sections.append(current)
                continue
            if kind in END_GROUP or kind in END_REPEAT:
                if open_blocks:
                    open_blocks.pop()
                if "repeat" not in open_blocks:
                    current_list = None
                if "group" not in open_blocks:
                    current = None if kind in END_GROUP else current
                continue
            if kind in BEGIN_REPEAT:
                open_blocks.append("repeat")
                if "repeat" in open_blocks[:-1]:
                    self.problem(
                        "survey", row, _("a repeat inside a repeat is not supported: item fields are one level.")
                    )
                    continue
                current_list = self.question(row, cells, row_type, label, columns, choice_lists, shared, seen)
                if current_list is None:
                    continue
                if current is None:
                    current = _Section(titles=dict(settings["title"]))
                    sections.append(current)
                current.questions.append(current_list)
                continue
            if not kind and not cells.get("name") and not label:
                continue  # a row of comments or of ignored columns only
            if kind in METADATA_TYPES:
                continue
            if kind == "note":
                self.unsupported_columns(row, cells)
                if "repeat" in open_blocks:
                    self.problem("survey", row, _("a note inside a repeat is not supported."))
                    continue
                if not label.get("en"):
                    self.problem("survey", row, _("the note has no English label."))
                (current.descriptions if current else description).append(label)
                continue
            if "repeat" in open_blocks:
                if current_list is not None:
                    field_def = self.question(
                        row, cells, row_type, label, columns, choice_lists, shared, seen, item=True
                    )
                    if field_def is not None:
                        current_list["item_fields"].append(field_def)
                continue
            question = self.question(row, cells, row_type, label, columns, choice_lists, shared, seen)
            if question is None:
                continue
            if current is None:
                current = _Section(titles=dict(settings["title"]))
                sections.append(current)
            current.questions.append(question)
        if "repeat" in open_blocks:
            self.problem("survey", None, _("a repeat is not closed (end_repeat)."))
        for code, (row, question) in seen.items():
            if question["type"] == Question.Type.LIST_OF_ITEMS and not question["item_fields"]:
                self.problem("survey", row, _("the repeat “%(name)s” has no questions.") % {"name": code})
        if "group" in open_blocks:
            self.problem("survey", None, _("a group is not closed (end_group)."))
        # A group of notes only (an introduction, a consent text) describes the questionnaire.
        for section in sections:
            if not section.questions:
                description += section.descriptions
        return [section for section in sections if section.questions], description

    def unsupported_columns(self, row: int, cells: dict[str, str]) -> None:
        for column in cells:
            if column in UNSUPPORTED_COLUMNS or column.startswith(UNSUPPORTED_PREFIXES):
                self.problem("survey", row, _("column “%(column)s” is not supported.") % {"column": column})

    def question(
        self,
        row: int,
        cells: dict[str, str],
        row_type: str,
        label: dict[str, str],
        columns: dict[str, dict[str, str]],
        choice_lists: dict[str, list[dict]],
        shared: dict[str, list[tuple[str, str]]],
        seen: dict[str, tuple[int, dict]],
        *,
        item: bool = False,
    ) -> dict | None:
        """A question (a list of items for a begin_repeat row), or an item field of the open list (`item`)."""
        question_type, list_name = self.question_type(row, row_type)
        if question_type is None:
            return None
        self.unsupported_columns(row, cells)
        code = cells.get("name", "")
        if not code:
            self.problem("survey", row, _("the question has no name."))
            return None
        if code in seen:
            self.problem(
                "survey",
                row,
                _("the name “%(name)s” is already used on row %(other)d.") % {"name": code, "other": seen[code][0]},
            )
            return None
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,60}", code):
            self.problem(
                "survey",
                row,
                _("the name “%(name)s” cannot be a question code (letters, digits, - and _, at most 60).")
                % {"name": code},
            )
        if not label.get("en"):
            self.problem("survey", row, _("the English label is empty."))
        question: dict = {"code": code, "type": question_type, "label": label}
        help_texts = self.texts(cells, columns["hint"])
        if help_texts:
            question["help"] = help_texts
        required = cells.get("required", "").strip().lower()
        if required in TRUE_WORDS:
            question["required"] = True
        elif required not in FALSE_WORDS:
            self.problem(
                "survey", row, _("required “%(value)s” is not supported (yes or no).") % {"value": cells["required"]}
            )
        if list_name is not None:
            self.choices(row, question, list_name, choice_lists, shared)
        if question_type == Question.Type.LIST_OF_ITEMS:
            self.list_bounds(row, question, cells)
        else:
            self.constraint(row, question, cells)
        if item:
            self.item_of_list(row, question, cells)
        else:
            self.relevant(row, question, cells.get("relevant", ""), seen)
        self.presentation(row, question, cells)
        seen[code] = (row, question)
        return question

    def list_bounds(self, row: int, question: dict, cells: dict[str, str]) -> None:
        """A repeat is a list of items: its item fields follow; `min_items`, `max_items` are our columns
        (a repeat_count is refused with the other unsupported columns)."""
        question["item_fields"] = []
        if cells.get("constraint"):
            self.problem("survey", row, _("a constraint on a repeat is not supported (use min_items and max_items)."))
        for key in ("min_items", "max_items"):
            value = cells.get(key, "")
            if value.isdigit():
                question[key] = int(value)
            elif value:
                self.problem("survey", row, _("%(column)s is a whole number.") % {"column": key})

    def item_of_list(self, row: int, question: dict, cells: dict[str, str]) -> None:
        """An item field (a row inside a repeat): no condition of its own; its `practice_role` column says
        what it fills in a practice record."""
        self.item_codes.add(question["code"])
        if question["type"] == Question.Type.LIST_OF_ITEMS:
            return  # refused by survey(): a repeat inside a repeat
        if cells.get("relevant"):
            self.problem("survey", row, _("a condition (relevant) inside a repeat is not supported."))
        role = cells.get("practice_role", "")
        if role in Question.PracticeRole.values:
            question["practice_role"] = role
        elif role:
            self.problem(
                "survey",
                row,
                _("practice_role “%(role)s” is not one of %(roles)s.")
                % {"role": role, "roles": ", ".join(Question.PracticeRole.values)},
            )

    def question_type(self, row: int, row_type: str) -> tuple[str | None, str | None]:
        """(our type, the choice list's name or None); (None, None) and a problem when unsupported."""
        kind = row_type.lower()
        if kind == "text":
            return Question.Type.SHORT_TEXT, None
        if kind in BEGIN_REPEAT:
            return Question.Type.LIST_OF_ITEMS, None
        if kind in SCALAR_TYPES:
            return SCALAR_TYPES[kind], None
        for prefix, question_type in SELECT_TYPES.items():
            if kind.startswith(prefix + " "):
                words = row_type[len(prefix) :].split()
                if len(words) == 1:
                    return question_type, words[0]
                if len(words) == 2 and words[1].lower() == "or_other":
                    self.problem("survey", row, _("“or_other” is not supported: add an “other” choice instead."))
                    return None, None
        if not kind:
            self.problem("survey", row, _("the row has no type."))
        else:
            self.problem("survey", row, _("type “%(type)s” is not supported.") % {"type": row_type})
        return None, None

    def choices(
        self,
        row: int,
        question: dict,
        list_name: str,
        choice_lists: dict[str, list[dict]],
        shared: dict[str, list[tuple[str, str]]],
    ) -> None:
        choices = choice_lists.get(list_name)
        if not choices:
            self.problem(
                "survey", row, _("the choice list “%(list)s” is not in the choices sheet.") % {"list": list_name}
            )
            return
        identity = [(choice["code"], choice["label"].get("en", "")) for choice in choices]
        for shared_code, shared_identity in shared.items():
            if identity == shared_identity:
                question["choice_list"] = shared_code
                return
        question["choices"] = [dict(choice) for choice in choices]

    def constraint(self, row: int, question: dict, cells: dict[str, str]) -> None:
        text = cells.get("constraint", "")
        for clause in _split(text, "and"):
            if (match := COUNT_SELECTED.match(clause)) and question["type"] == Question.Type.MULTIPLE_CHOICE:
                question["max_choices"] = int(match.group(1))
            elif (match := STRING_LENGTH.match(clause)) and question["type"] in Question.TEXT_TYPES:
                question["max_length"] = int(match.group(1))
            elif (match := REGEX.match(clause)) and question["type"] in Question.TEXT_TYPES and "@" in match.group(2):
                question["type"] = Question.Type.EMAIL
            else:
                self.problem(
                    "survey",
                    row,
                    _(
                        "constraint “%(constraint)s” is not supported (count-selected(.) <= N on a select_multiple, "
                        "string-length(.) <= N or an e-mail regex on a text)."
                    )
                    % {"constraint": clause},
                )
        if MULTILINE in cells.get("appearance", "").lower().split() and question["type"] == Question.Type.SHORT_TEXT:
            question["type"] = Question.Type.LONG_TEXT

    def relevant(self, row: int, question: dict, text: str, seen: dict[str, tuple[int, dict]]) -> None:
        if not text:
            return
        targets, values = set(), []
        for clause in _split(text, "or"):
            match = CLAUSE_SELECTED.match(clause) or CLAUSE_EQUALS.match(clause)
            if match is None:
                targets.add(None)
                break
            targets.add(match.group(1))
            values.append(match.group(3))
            target = seen.get(match.group(1), (0, {}))[1]
            if match.re is CLAUSE_EQUALS and target.get("type") == Question.Type.MULTIPLE_CHOICE:
                targets.add(None)  # `=` on a select_multiple means "exactly this one": not our condition
        if len(targets) != 1 or None in targets:
            self.problem(
                "survey",
                row,
                _(
                    "relevant “%(relevant)s” is not supported (only ${q} = 'a' or selected(${q}, 'a') on one earlier "
                    "choice question, joined with “or”)."
                )
                % {"relevant": text},
            )
            return
        (target,) = targets
        if target == question["code"]:
            self.problem("survey", row, _("relevant refers to the question itself."))
            return
        if target in self.item_codes:
            self.problem("survey", row, _("relevant refers to ${%(name)s}, a field inside a repeat.") % {
                "name": target})  # fmt: skip
            return
        if target not in seen:
            self.problem("survey", row, _("relevant refers to ${%(name)s}, which is not an earlier question.") % {
                "name": target})  # fmt: skip
            return
        other = seen[target][1]
        if other["type"] not in Question.CHOICE_TYPES:
            self.problem("survey", row, _("relevant refers to ${%(name)s}, which is not a choice question.") % {
                "name": target})  # fmt: skip
            return
        question["show_if"] = {"question": target, "values": list(dict.fromkeys(values))}

    def presentation(self, row: int, question: dict, cells: dict[str, str]) -> None:
        """Our extension columns for the dashboards' and report's presentation hints (ignored by pyxform
        and Kobo); the same keys as a JSON definition's "presentation"."""
        texts = {
            key: {code: cells[f"{column}_{code}"] for code in LANGUAGE_CODES if cells.get(f"{column}_{code}")}
            for key, column in HINT_TEXT_COLUMNS.items()
        }
        if not any(texts.values()) and not any(cells.get(column) for column in HINT_COLUMNS):
            return
        presentation: dict = {key: values for key, values in texts.items() if values}
        if cells.get("chart"):
            presentation["chart"] = cells["chart"]
            if cells["chart"] not in CHART_KINDS:
                self.problem("survey", row, _("chart is bars, donut or none."))
        if cells.get("chart_denominator"):
            presentation["denominator"] = cells["chart_denominator"]
            if cells["chart_denominator"] not in DENOMINATORS:
                self.problem("survey", row, _("chart_denominator is respondents or selections."))
        if cells.get("report_top"):
            if cells["report_top"].isdigit():
                presentation["top"] = int(cells["report_top"])
            else:
                self.problem("survey", row, _("report_top is a whole number."))
        for key in ("positive", "negative"):
            if cells.get(f"{key}_choices"):
                presentation[key] = cells[f"{key}_choices"].split()
        coverage = cells.get("report_coverage", "").lower()
        if coverage in TRUE_WORDS:
            presentation["coverage"] = True
        elif coverage not in FALSE_WORDS:
            self.problem("survey", row, _("report_coverage is yes or no."))
        question["presentation"] = presentation


def _split(expression: str, operator: str) -> list[str]:
    """`a or b` → ["a", "b"] on the operator outside quotes and parentheses; [] for an empty text."""
    parts, depth, quote, start = [], 0, "", 0
    text = expression.strip()
    word = f" {operator} "
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and text[index : index + len(word)].lower() == word:
            parts.append(text[start:index].strip())
            index += len(word)
            start = index
            continue
        index += 1
    if text:
        parts.append(text[start:].strip())
    return parts


def _joined(paragraphs: list[dict[str, str]]) -> dict[str, str]:
    """Several notes → one description per language, paragraphs separated by a blank line."""
    languages = {code for paragraph in paragraphs for code in paragraph}
    return {
        code: "\n\n".join(paragraph.get(code) or paragraph.get("en", "") for paragraph in paragraphs)
        for code in LANGUAGE_CODES
        if code in languages
    }


def _shared_lists() -> dict[str, list[tuple[str, str]]]:
    """{list code: [(choice code, English label), …]}: what a form's list must equal to be a shared list."""
    return {
        choice_list.code: [(choice.code, choice.label_en) for choice in choice_list.choices.all()]
        for choice_list in ChoiceList.objects.prefetch_related("choices")
    }


# --- export --------------------------------------------------------------------------------------------


def xlsform_write(questionnaire: Questionnaire, target: IO[bytes]) -> None:
    """Write the version as an XLSForm workbook (.xlsx) to `target`."""
    from openpyxl import Workbook

    schema = questionnaire_schema(questionnaire)
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    languages = [LANGUAGE_COLUMNS[code] for code in LANGUAGE_CODES]
    survey.append(
        ["type", "name"]
        + [f"label::{name}" for name in languages]
        + [f"hint::{name}" for name in languages]
        + ["required", "relevant", "constraint", "appearance", *HINT_COLUMNS]
        + [f"{column}_{code}" for column in HINT_TEXT_COLUMNS.values() for code in LANGUAGE_CODES]
        + list(LIST_COLUMNS)
    )
    names = {question.code for question in _with_item_fields(schema)}

    def note_name(base: str) -> str:
        name = base
        while name in names:
            name += "_"
        names.add(name)
        return name

    def text_row(row_type: str, name: str, labels, helps=None) -> list[object]:
        return (
            [row_type, name]
            + [labels.get(code, "") for code in LANGUAGE_CODES]
            + [(helps or {}).get(code, "") for code in LANGUAGE_CODES]
        )

    description = {code: getattr(questionnaire, f"description_{code}") for code in LANGUAGE_CODES}
    if description["en"]:
        survey.append(text_row("note", note_name("questionnaire_description"), description))
    list_names = _list_names(schema)
    for index, section in enumerate(schema.sections, start=1):
        group = note_name(f"section_{index}")
        survey.append(text_row("begin_group", group, section.titles))
        if section.descriptions.get("en"):
            survey.append(text_row("note", note_name(f"{group}_description"), section.descriptions))
        for question in section.questions:
            survey.append(_question_row(schema, question, list_names, text_row))
            if question.is_list:
                for item_field in question.items:
                    survey.append(_question_row(schema, item_field, list_names, text_row))
                survey.append(["end_repeat", question.code])
        survey.append(["end_group", group])

    choices = workbook.create_sheet("choices")
    choices.append(
        ["list_name", "name"]
        + [f"label::{name}" for name in languages]
        + [f"{key}_{code}" for key in CHOICE_TEXT_COLUMNS for code in LANGUAGE_CODES]
    )
    written = set()
    for question in _with_item_fields(schema):
        list_name = list_names.get(question.code)
        if list_name is None or list_name in written:
            continue
        written.add(list_name)
        for choice in question.choices:
            choices.append(
                [list_name, choice.code]
                + [choice.labels.get(code, "") for code in LANGUAGE_CODES]
                + [choice.descriptions.get(code, "") for code in LANGUAGE_CODES]
                + [choice.report_phrases.get(code, "") for code in LANGUAGE_CODES]
            )

    settings = workbook.create_sheet("settings")
    settings.append(
        ["form_title", "form_id", "version", "default_language"]
        + [f"form_title_{code}" for code in LANGUAGE_CODES[1:]]
        + [f"annex_title_{code}" for code in LANGUAGE_CODES]
    )
    settings.append(
        [schema.titles["en"], schema.slug, str(schema.version), LANGUAGE_COLUMNS["en"]]
        + [schema.titles.get(code, "") for code in LANGUAGE_CODES[1:]]
        + [schema.annex_titles.get(code, "") for code in LANGUAGE_CODES]
    )
    workbook.save(target)


def xlsform_bytes(questionnaire: Questionnaire) -> bytes:
    buffer = io.BytesIO()
    xlsform_write(questionnaire, buffer)
    return buffer.getvalue()


def _with_item_fields(schema: QuestionnaireSchema) -> list[QuestionSchema]:
    """The questions in order, each list of items followed by its item fields."""
    return [each for question in schema.questions.values() for each in (question, *question.items)]


def _list_names(schema: QuestionnaireSchema) -> dict[str, str]:
    """{question code: its choice list's name}: the shared list's code, or the question's code for its own
    choices (with a suffix when that would collide with a shared list's name)."""
    shared = {question.choice_list for question in _with_item_fields(schema) if question.choice_list}
    names = {}
    for question in _with_item_fields(schema):
        if question.choice_list:
            names[question.code] = question.choice_list
        elif question.is_choice:
            names[question.code] = question.code if question.code not in shared else f"{question.code}_choices"
    return names


def _question_row(schema: QuestionnaireSchema, question: QuestionSchema, list_names: dict[str, str], text_row) -> list:
    if question.is_list:
        row_type = "begin_repeat"
    elif question.is_choice:
        keyword = "select_multiple" if question.is_multiple else "select_one"
        row_type = f"{keyword} {list_names[question.code]}"
    elif question.type in (Question.Type.INTEGER, Question.Type.DECIMAL, Question.Type.DATE):
        row_type = question.type
    else:
        row_type = "text"
    constraints = []
    if question.max_choices is not None:
        constraints.append(f"count-selected(.) <= {question.max_choices}")
    if question.max_length is not None:
        constraints.append(f"string-length(.) <= {question.max_length}")
    if question.type == Question.Type.EMAIL:
        constraints.append(f"regex(., '{EMAIL_PATTERN}')")
    relevant = ""
    if question.show_if:
        condition = schema.questions[question.show_if]
        template = "selected(${{{q}}}, {v})" if condition.is_multiple else "${{{q}}} = {v}"
        relevant = " or ".join(
            template.format(q=question.show_if, v=_quoted(value)) for value in question.show_if_values
        )
    hints = question.hints
    hint_cells = [""] * (len(HINT_COLUMNS) + len(HINT_TEXT_COLUMNS) * len(LANGUAGE_CODES))
    if hints.explicit:
        hint_cells = [
            hints.chart,
            hints.denominator,
            str(hints.top),
            " ".join(hints.positive),
            " ".join(hints.negative),
            "yes" if hints.coverage else "",
            *(hints.titles.get(code, "") for code in LANGUAGE_CODES),
            *(hints.summaries.get(code, "") for code in LANGUAGE_CODES),
        ]
    return text_row(row_type, question.code, question.labels, question.helps) + [
        "yes" if question.required else "",
        relevant,
        " and ".join(constraints),
        MULTILINE if question.type == Question.Type.LONG_TEXT else "",
        *hint_cells,
        "" if question.min_items is None else question.min_items,
        "" if question.max_items is None else question.max_items,
        question.practice_role,
    ]


def _quoted(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"
