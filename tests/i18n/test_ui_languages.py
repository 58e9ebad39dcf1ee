"""The whole interface in French, Spanish and Arabic: no English left on the pages but proper names.

Each page is rendered in English and in the other language (the `django_language` cookie, as the
language switcher sets it). The words a user can see or hear (text, `title`, `placeholder`,
`aria-label`, `alt`, `data-confirm`, and the labels of the dashboard's charts) are compared: a word of
the English page that shows up again on the French, Spanish or Arabic page is interface left in
English, unless it is
- data, not interface: ISCM names and acronyms, people's names and e-mail addresses, and the answers
  focal points typed (they keep the language they were written in: `.answer-text`, `<textarea>`);
- text marked as being in another language (`lang="en"`: the language switcher's "English");
- a word of `SHARED_WORDS`: spelled the same in both languages, or an acronym kept in every language.

The compiled catalogues are needed: `make test` compiles them (`compile_catalogues`); the `.mo` files are
built here too when missing, so the test also runs on its own.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from questionnaires.models import Campaign, Iscm, Response

FOLLOWUP = "iscm-followup-open"
FORM = f"/campaigns/{FOLLOWUP}/respond/MIDSA/"  # MIDSA has submitted: the form of a submitted response
DRAFT_FORM = f"/campaigns/{FOLLOWUP}/respond/MIDWA/"  # MIDWA's draft: "Save draft" and "Submit"
LANGUAGES = ("fr", "es", "ar")



def word_list(text: str) -> set[str]:
    return set(text.split())


# Kept as they are in every language: COP28 (the UN climate conference), CSV (the file format), "n = 14"
# (the statistician's n), the name of the time zone setting ("UTC") the campaign form shows, and the
# ISCM type codes RCP and IRF, shown beside the translated type names because the CSV files use them, and
# "API" (the API tokens page).
ACRONYMS = {"api", "cop", "csv", "n", "utc", "rcp", "irf"}
# Words of the English interface that are words of the other language too, spelled the same: the
# allow-list of the comparison. Everything else an English page and its translation share is a bug.
SHARED_WORDS = {
    "fr": ACRONYMS
    | word_list(
        # French words of the French interface and questionnaire: "Actions", "Questionnaire", "Sections",
        # "Navigation principale", "point focal", "Contributions des MCIM aux initiatives politiques…",
        # "Type de MCIM", "Europe" (a region), "version", "page", "Total", "il a", "ne change pas",
        # "30 minutes", the French short titles of SDGs and GCM objectives ("Justice", "Inclusion"…),
        # "nov." (the French abbreviation of "novembre"; likewise "jan", "mar", "jul", "sep", "oct": the demo's
        # open campaign closes 30 days after the day the tests run, so any month can show).
        """a action actions alternatives assistance change conditions confirmation contribution contributions
        coordination cycle date dates diasporas discrimination europe focal important inclusion
        infrastructure initiatives innovation institutions introduction introductions invitation justice
        jan jul mar messages minutes navigation nov nutrition oct options page point points production public
        qualifications question questionnaire questionnaires questions sections sep services total type types
        version"""
    ),
    "es": ACRONYMS
    | word_list(
        # Spanish words: "punto focal", "a", "no", "Agenda 2030", "migración regular", "protección social",
        # "confirmación final", "Interregional" (a region), "Total", month abbreviations spelled as in English
        # (including "may": the synthetic demo campaign shows May), "tokens" ("Tokens de API": the usual
        # Spanish term).
        "a agenda feb final focal interregional jul jun mar may no nov oct regular sep social tokens total"
    ),
    "ar": ACRONYMS,
}
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SPOKEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
# Plotly figure keys whose strings are drawn or read out: titles, category labels, hover text.
FIGURE_TEXT_KEYS = {"text", "y", "labels", "name", "hovertemplate", "ticktext"}

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}


def catalogues_compiled() -> None:
    """The .mo files, (re)compiled from the .po files when a `make` run has not done it since they changed
    (`compile_catalogues`: pure Python, no GNU gettext needed)."""
    locale = Path(settings.BASE_DIR) / "locale"
    stale = [
        lang
        for lang in LANGUAGES
        if not (mo := locale / lang / "LC_MESSAGES" / "django.mo").exists()
        or mo.stat().st_mtime < (locale / lang / "LC_MESSAGES" / "django.po").stat().st_mtime
    ]
    if not stale:
        return
    call_command("compile_catalogues", stdout=io.StringIO())
    from django.utils.translation import trans_real

    trans_real._translations = {}  # catalogues are cached per process: load the new .mo files
    trans_real._default = None


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues():
    catalogues_compiled()


# --- reading a page as a user does ----------------------------------------------------------------


def _figure_strings(node, key: str | None = None):
    if isinstance(node, dict):
        for child_key, value in node.items():
            yield from _figure_strings(value, child_key)
    elif isinstance(node, list):
        for value in node:
            yield from _figure_strings(value, key)
    elif isinstance(node, str) and key in FIGURE_TEXT_KEYS:
        yield re.sub(r"<[^>]+>|%\{[^}]*\}", " ", node)


def visible_text(html: str, language: str) -> str:
    """What a reader of the page sees or hears, without the data typed in by focal points."""
    doc = lxml.html.document_fromstring(html)
    figures = []
    for script in doc.xpath("//script[@type='application/json']"):
        figures.extend(_figure_strings(json.loads(script.text or "null")))
    for element in doc.xpath(
        "//script|//style|//textarea|//*[contains(concat(' ', normalize-space(@class), ' '), ' answer-text ')]"
    ):
        element.drop_tree()
    for element in doc.xpath("//body//*[@lang]"):
        if element.get("lang") != language:
            element.drop_tree()
    for element in doc.iter():  # words of adjacent elements stay apart: "Process</th><div>Europe"
        element.text, element.tail = f" {element.text or ''}", f" {element.tail or ''}"
    parts = [doc.text_content(), *figures]
    for element in doc.iter():
        if isinstance(element.tag, str):
            parts.extend(element.get(name) for name in SPOKEN_ATTRIBUTES if element.get(name))
    return "\n".join(parts)


def words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(text)}


def data_words() -> set[str]:
    """Proper names and addresses held in the database: ISCM names and acronyms, accounts."""
    found: set[str] = set()
    for name, acronym in Iscm.objects.values_list("name", "acronym"):
        found |= words(name) | words(acronym)
    for username, email, first, last in get_user_model().objects.values_list(
        "username", "email", "first_name", "last_name"
    ):
        found |= words(f"{username} {email} {first} {last}")
    return found


def get_page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, f"{url} in {language}: {response.status_code}"
    assert response["Content-Language"] == language
    return response.content.decode()


def english_left(client, url: str, language: str, names: set[str]) -> tuple[set[str], str]:
    """The English interface words found again on the page in `language`, and that page's text."""
    english = words(visible_text(get_page(client, url, "en"), "en")) - names
    page = visible_text(get_page(client, url, language), language)
    return (english & words(page)) - SHARED_WORDS[language], page


@pytest.fixture
def names(demo):
    return data_words()


@pytest.fixture
def login(client):
    def as_user(username: str):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


# --- the focal point's form -----------------------------------------------------------------------

EXPECTED_ON_FORM = {
    # the page header and navigation, the form's buttons, a question, a choice, a section of the JSON
    "fr": ["Mes questionnaires", "Soumettre de nouveau", "Se déconnecter", "Langue", "Avancement",
           "Nom de la personne qui remplit le questionnaire", "Pacte mondial sur les migrations",
           "Travail décent et croissance économique", "Enquête MCIM"],
    "es": ["Mis cuestionarios", "Volver a enviar", "Cerrar sesión", "Idioma", "Progreso",
           "Nombre de la persona que completa el cuestionario", "Pacto Mundial para la Migración",
           "Trabajo decente y crecimiento económico", "Encuesta MCIM"],
    "ar": ["استبياناتي", "التقديم مرة أخرى", "تسجيل الخروج", "اللغة", "التقدم",
           "اسم الشخص الذي يملأ الاستبيان", "الاتفاق العالمي من أجل الهجرة", "العمل اللائق ونمو الاقتصاد",
           "استبيان آليات التشاور"],
}
EXPECTED_ON_DRAFT_FORM = {"fr": "Enregistrer le brouillon", "es": "Guardar borrador", "ar": "حفظ المسودة"}
# Words of the English form a reviewer would look for first.
ENGLISH_INTERFACE = ["Save draft", "Submit", "required", "Select", "Question", "characters", "Section",
                     "Log out", "Home", "draft", "Language", "Deadline", "Sections", "answered"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_focal_point_form_is_entirely_in_the_chosen_language(demo, names, login, language):
    client = login("fp-midsa@example.org")
    left, page = english_left(client, FORM, language, names)
    assert not left, f"English left on the form in {language}: {sorted(left)}"
    html = get_page(client, FORM, language)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    for expected in EXPECTED_ON_FORM[language]:
        assert expected in page, f"{expected!r} missing from the form in {language}"
    for english in ENGLISH_INTERFACE:
        if words(english) <= SHARED_WORDS[language]:
            continue  # "Section", "Question": French words too
        assert not re.search(rf"\b{english}\b", page), f"{english!r} on the form in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_draft_form_is_entirely_in_the_chosen_language(demo, names, login, language):
    client = login("fp-midwa@example.org")
    left, page = english_left(client, DRAFT_FORM, language, names)
    assert not left, f"English left on the draft form in {language}: {sorted(left)}"
    assert EXPECTED_ON_DRAFT_FORM[language] in page
    # A help text built in Python ("Up to 2,000 characters.") and a condition hint, translated too
    assert {"fr": "caractères au maximum", "es": "caracteres", "ar": "بحد أقصى"}[language] in page


# --- the other pages of a focal point and of the coordinator --------------------------------------

FOCAL_POINT_PAGES = [
    "/",
    f"/campaigns/{FOLLOWUP}/respond/MIDSA/submitted/",
    f"/campaigns/{FOLLOWUP}/respond/MIDSA/print/",
]
REVIEW_PAGE = f"/campaigns/{FOLLOWUP}/respond/MIDWA/review/"  # a draft with gaps: the errors show too
COORDINATOR_PAGES = [
    "/campaigns/",
    f"/campaigns/{FOLLOWUP}/",  # the response tracker
    f"/campaigns/{FOLLOWUP}/responses/MIDSA/",  # a response with its history
    "/campaigns/iscm-contributions-2023/dashboard/",  # KPIs, chart cards and the charts' own labels
    "/campaigns/iscm-contributions-2023/dashboard/texts/",
    f"/campaigns/{FOLLOWUP}/edit/",
    "/iscms/MIDSA/focal-points/",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_review_and_coordinator_pages_are_in_the_chosen_language(demo, names, login, language):
    pages = [("fp-midsa@example.org", url) for url in FOCAL_POINT_PAGES]
    pages += [("fp-midwa@example.org", REVIEW_PAGE)]
    pages += [("coordinator@example.org", url) for url in COORDINATOR_PAGES]
    leftovers = {}
    for username, url in pages:
        left, _page = english_left(login(username), url, language, names)
        if left:
            leftovers[url] = sorted(left)
    assert not leftovers, f"English left in {language}: {leftovers}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_login_and_password_pages_are_in_the_chosen_language(demo, names, client, language):
    """Before logging in: the language comes from the cookie (or the browser's Accept-Language)."""
    leftovers = {}
    for url in ("/accounts/login/", "/accounts/password_reset/", "/accounts/password_reset/done/"):
        left, _page = english_left(client, url, language, names)
        if left:
            leftovers[url] = sorted(left)
    assert not leftovers, f"English left in {language}: {leftovers}"


def test_the_browser_language_is_the_default(db, client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5").content.decode()
    assert "Iniciar sesión en la Encuesta MCIM" in page


def test_the_review_page_is_in_french(demo, login):
    page = visible_text(get_page(login("fp-midwa@example.org"), REVIEW_PAGE, "fr"), "fr")
    assert "Vérifiez vos réponses avant de soumettre" in page
    assert "Sans réponse" in page  # MIDWA's draft has no GCM answers yet
    assert "À quels objectifs du Pacte mondial sur les migrations les travaux de votre MCIM contribuent-ils" in page
    assert "Confirmer et soumettre" in page


def test_validation_messages_are_in_the_language_of_the_form(demo, login):
    """Submitting with the required questions empty: the errors come back in Spanish."""
    client = login("fp-midwa@example.org")
    version = Response.objects.get(campaign__slug=FOLLOWUP, iscm__acronym="MIDWA").version
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    reply = client.post(DRAFT_FORM, {"version": version, "action": "submit"})
    page = visible_text(reply.content.decode(), "es")
    assert "Hay un problema" in page
    assert "Esta pregunta es obligatoria." in page
    assert "required" not in page


def test_dashboard_charts_are_labelled_in_the_viewers_language(demo, login):
    client = login("coordinator@example.org")
    html = get_page(client, "/campaigns/iscm-contributions-2023/dashboard/", "es")
    doc = lxml.html.document_fromstring(html)
    figures = json.loads(doc.xpath("//script[@id='dashboard-figures']")[0].text)
    labels = " ".join(_figure_strings(figures))
    assert "ODS 8 – Trabajo decente y crecimiento económico" in labels
    assert "Objetivo 23" in labels
    assert "Tasa de respuesta por región" in labels
    assert "Américas" in labels  # region names too
    assert "SDG 8" not in labels and "Objective 23" not in labels


# --- dates and numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "rate"), [("en", "58.3%"), ("fr", "58,3%"), ("es", "58,3%"), ("ar", "58,3%")]
)
def test_the_response_rate_uses_the_decimal_separator_of_the_language(demo, login, language, rate):
    """14 of the 24 ISCMs invited in 2023 responded: 58.3 % in English, 58,3 % in French and Spanish."""
    html = get_page(login("coordinator@example.org"), "/campaigns/iscm-contributions-2023/dashboard/", language)
    doc = lxml.html.document_fromstring(html)
    assert doc.get_element_by_id("kpi-rate").text_content().strip() == rate
    figures = json.loads(doc.xpath("//script[@id='dashboard-figures']")[0].text)
    assert figures["response-rate-region"]["layout"]["separators"][0] == rate[2]  # what plotly draws


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_show_month_names_of_the_language(demo, login, language):
    """The form's deadline ("j F Y") names the month in the language of the page."""
    close = timezone.localtime(Campaign.objects.get(slug=FOLLOWUP).effective_close)
    month = MONTHS[language].split()[close.month - 1]
    english_month = datetime.date(2000, close.month, 1).strftime("%B")
    page = visible_text(get_page(login("fp-midsa@example.org"), FORM, language), language)
    # one date style per language (issue 17 #12): Spanish writes "1 de enero de 2027"
    written = f"{close.day} de {month} de {close.year}" if language == "es" else f"{close.day} {month} {close.year}"
    assert written in page
    assert english_month not in page
