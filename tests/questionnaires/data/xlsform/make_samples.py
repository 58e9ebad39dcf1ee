"""Write the XLSForms of tests/questionnaires/test_xlsform.py: forms as people write them in Excel or
KoboToolbox (metadata rows, Kobo's `$kuid` columns, messages, appearances, a plain `label` column), with
every type, language column, `relevant` and `constraint` the import supports, and one form with what it
does not support. Run from the repository root: `.venv/bin/python tests/questionnaires/data/xlsform/make_samples.py`.
"""

import csv
import zlib
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[3] / "questionnaires" / "data"
LANGUAGES = ["English (en)", "French (fr)", "Spanish (es)", "Arabic (ar)"]


def workbook(survey: list[list], choices: list[list] | None, settings: list[list] | None, name: str) -> None:
    book = Workbook()
    book.active.title = "survey"
    for row in survey:
        book["survey"].append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows is not None:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
    book.save(HERE / name)


def kobo_partner_survey() -> None:
    """Four languages, groups, every supported type, relevant both ways, max choices, hints, Kobo columns."""
    header = (
        ["type", "name"]
        + [f"label::{language}" for language in LANGUAGES]
        + [f"hint::{language}" for language in LANGUAGES]
        + ["required", "required_message::English (en)", "relevant", "constraint", "constraint_message", "appearance"]
        + ["$kuid", "$autoname"]
    )

    def row(kind, name, labels=("", "", "", ""), hints=("", "", "", ""), required="", relevant="", constraint="",
            message="", appearance=""):  # fmt: skip
        return [kind, name, *labels, *hints, required, "Required" if required else "", relevant, constraint,
                message, appearance, f"k{zlib.crc32(name.encode()) % 10**6}", name]  # fmt: skip

    survey = [
        header,
        row("start", "start"),
        row("end", "end"),
        row("today", "today"),
        row(
            "note",
            "welcome",
            (
                "Welcome to the partners' survey.",
                "Bienvenue dans l’enquête auprès des partenaires.",
                "Bienvenido a la encuesta de socios.",
                "مرحبًا بكم في استبيان الشركاء.",
            ),
        ),  # fmt: skip
        row(
            "begin_group",
            "about",
            ("About your organisation", "Votre organisation", "Su organización", "عن منظمتكم"),
            appearance="field-list",
        ),  # fmt: skip
        row(
            "note",
            "about_note",
            ("Tell us who you are.", "Dites-nous qui vous êtes.", "Díganos quiénes son.", "أخبرونا من أنتم."),
        ),  # fmt: skip
        row(
            "text",
            "org_name",
            ("Name of the organisation", "Nom de l’organisation", "Nombre de la organización", "اسم المنظمة"),
            required="yes",
            constraint="string-length(.) <= 200",
        ),  # fmt: skip
        row(
            "text",
            "contact_email",
            ("Contact e-mail", "Courriel de contact", "Correo electrónico de contacto", "البريد الإلكتروني للاتصال"),
            constraint="regex(., '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$')",
            message="Not an e-mail address",
        ),  # fmt: skip
        row(
            "integer",
            "staff",
            ("Number of staff", "Nombre d’employés", "Número de empleados", "عدد الموظفين"),
            hints=(
                "Full-time equivalents",
                "Équivalents temps plein",
                "Equivalentes a tiempo completo",
                "ما يعادل الدوام الكامل",
            ),
        ),  # fmt: skip
        row(
            "decimal",
            "budget",
            (
                "Annual budget (million USD)",
                "Budget annuel (millions USD)",
                "Presupuesto anual (millones USD)",
                "الميزانية السنوية (مليون دولار)",
            ),
        ),  # fmt: skip
        row("date", "founded_on", ("Date founded", "Date de création", "Fecha de creación", "تاريخ التأسيس")),
        row("end_group", "about"),
        row("begin group", "work", ("Your work", "Vos activités", "Su trabajo", "عملكم")),
        row(
            "select_one yes_no",
            "works_on_climate",
            (
                "Do you work on climate mobility?",
                "Travaillez-vous sur la mobilité climatique ?",
                "¿Trabajan en movilidad climática?",
                "هل تعملون على التنقل المناخي؟",
            ),
            required="TRUE",
            appearance="horizontal",
        ),  # fmt: skip
        row(
            "select_multiple topics",
            "climate_topics",
            ("Which topics?", "Quels thèmes ?", "¿Qué temas?", "ما المواضيع؟"),
            hints=("Up to two.", "Deux au plus.", "Dos como máximo.", "اثنان على الأكثر."),
            relevant="${works_on_climate} = 'yes' or ${works_on_climate} = 'planned'",
            constraint="count-selected(.) <= 2",
            message="Two at most",
        ),  # fmt: skip
        row(
            "text",
            "climate_details",
            ("Describe this work", "Décrivez ces activités", "Describa este trabajo", "صفوا هذا العمل"),
            relevant="selected(${climate_topics}, 'displacement') or selected(${climate_topics}, 'relocation')",
            appearance="multiline",
        ),  # fmt: skip
        row("end group", "work"),
    ]
    choices = [
        ["list_name", "name"] + [f"label::{language}" for language in LANGUAGES],
        ["yes_no", "yes", "Yes", "Oui", "Sí", "نعم"],
        ["yes_no", "no", "No", "Non", "No", "لا"],
        ["yes_no", "planned", "Planned", "Prévu", "Previsto", "مخطط له"],
        [
            "topics",
            "displacement",
            "Disaster displacement",
            "Déplacements liés aux catastrophes",
            "Desplazamientos por desastres",
            "النزوح بسبب الكوارث",
        ],  # fmt: skip
        [
            "topics",
            "relocation",
            "Planned relocation",
            "Réinstallation planifiée",
            "Reubicación planificada",
            "إعادة التوطين المخطط لها",
        ],  # fmt: skip
        ["topics", "labour", "Labour migration", "Migration de main-d’œuvre", "Migración laboral", "هجرة اليد العاملة"],
    ]
    settings = [["form_title", "form_id", "version", "default_language", "style"],
                ["Partners' survey", "partners_survey", "2025061201", "English (en)", "pages"]]  # fmt: skip
    workbook(survey, choices, settings, "kobo_partner_survey.xlsx")


def one_language_sdg_form() -> None:
    """Plain `label`/`hint` columns, no groups, no settings sheet, and the SDG list written out in full."""
    survey = [
        ["type", "name", "label", "hint", "required"],
        ["text", "respondent", "Your name", "", "yes"],
        ["select_multiple sdgs", "sdg_focus", "Which SDGs does your work contribute to?", "Tick all that apply", ""],
        ["select_one agree", "satisfied", "The regional process serves us well", "", "no"],
    ]
    with (DATA / "sdgs.csv").open(encoding="utf-8", newline="") as handle:
        sdgs = [["sdgs", row["number"], row["short_title"]] for row in csv.DictReader(handle)]
    choices = [["list_name", "name", "label"], *sdgs]
    choices += [["agree", code, label] for code, label in
                [("1", "Disagree"), ("2", "Neutral"), ("3", "Agree")]]  # fmt: skip
    workbook(survey, choices, None, "one_language_sdg_form.xlsx")


def unsupported_features() -> None:
    """A repeat in a repeat, a group in a repeat, a repeat_count, a calculation, a geopoint, or_other and a
    condition the app cannot express (a plain repeat is a list of items: supported)."""
    survey = [
        ["type", "name", "label", "relevant", "calculation", "repeat_count"],
        ["text", "village", "Village", "", "", ""],
        ["begin_repeat", "members", "Household members", "", "", "3"],
        ["text", "member_name", "Name", "", "", ""],
        ["begin_repeat", "member_jobs", "Jobs", "", "", ""],
        ["text", "job", "Job", "", "", ""],
        ["end_repeat", "member_jobs", "", "", "", ""],
        ["begin_group", "member_health", "Health", "", "", ""],
        ["integer", "visits", "Visits", "", "", ""],
        ["end_group", "member_health", "", "", "", ""],
        ["end_repeat", "members", "", "", "", ""],
        ["calculate", "member_count", "", "", "count(${members})", ""],
        ["geopoint", "location", "Location", "", "", ""],
        ["select_one yn or_other", "has_water", "Running water?", "", "", ""],
        ["integer", "children", "Children", "${village} != ''", "", ""],
    ]
    choices = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]
    workbook(survey, choices, [["form_title", "form_id"], ["Household listing", "household"]], "unsupported.xlsx")


if __name__ == "__main__":
    kobo_partner_survey()
    one_language_sdg_form()
    unsupported_features()
