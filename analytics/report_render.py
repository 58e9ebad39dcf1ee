"""The report as files: HTML → PDF with headless Chromium, and DOCX with python-docx (see docs/report.md).

One headless Chromium (Debian's, driven by Playwright) per file: it loads the report HTML with
`page.set_content`, gets our CSS and JavaScript inlined from the static files (plotly-basic.min.js, report.js),
draws the same Plotly figures as the web page, then either prints the page (`page.pdf`) or screenshots each
chart (`element.screenshot`) for the DOCX. Nothing is fetched: every network request is aborted.

Playwright's sync API runs an asyncio loop in the thread that uses it, and Django refuses ORM calls from a
thread with a running loop; so the browser work runs in a thread of its own and reports its progress
through a callback that only records numbers (the caller writes them to the database).
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import get_language_bidi
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A4 with 15 mm side margins leaves 180 mm = 680 CSS px: the page is laid out (and the charts drawn) at
# the printed width, so nothing is rescaled or cut when printing.
PAGE_WIDTH_PX = 680
PDF_MARGINS = {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}
CHARTS_TIMEOUT_MS = 60_000
DOCX_IMAGE_WIDTH_CM = 16.0

Progress = Callable[[int], None]


class RenderError(RuntimeError):
    """The browser could not render the report (missing Chromium, a chart that failed to draw...)."""


def chromium_path() -> str:
    """`settings.CHROMIUM_PATH` (environment variable, default Debian's /usr/bin/chromium)."""
    return settings.CHROMIUM_PATH


def _static_path(name: str) -> str:
    path = finders.find(name)
    if not path:
        raise RenderError(f"static file not found: {name}")
    return str(path)


def document_html(report: dict[str, Any]) -> str:
    """The standalone report document (no navigation, no external reference), in the active language."""
    return render_to_string("analytics/report_document.html", {"report": report})


# --- The browser ------------------------------------------------------------------------------------


# While the browser works, the last progress is reported again this often: the job's heartbeat, by
# which a job whose worker died is told from a slow one (report_files._is_dead).
HEARTBEAT_SECONDS = 5.0


def _in_thread(work: Callable[[Progress], Any], progress: Progress) -> Any:
    """Run `work(record)` in a fresh thread (no asyncio loop, whatever the caller's) and return its result.

    `work` records its progress with `record(percent)`; the caller's `progress` is called with it from the
    caller's thread (where database writes are allowed) while it waits, when it changes and at least every
    HEARTBEAT_SECONDS.
    """
    recorded: list[int] = []
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work(recorded.append)
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="report-render", daemon=True)
    thread.start()
    reported = None
    reported_at = time.monotonic()
    while thread.is_alive():
        thread.join(0.25)
        latest = recorded[-1] if recorded else None
        if latest is not None and (latest != reported or time.monotonic() - reported_at >= HEARTBEAT_SECONDS):
            reported = latest
            reported_at = time.monotonic()
            progress(reported)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _with_charts(html: str, work: Callable[[Any, Progress], Any], progress: Progress) -> Any:
    """Open `html` in headless Chromium, draw its charts, then `work(page)`; returns what work returns."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if not Path(executable).exists():
        raise RenderError(f"Chromium not found at {executable} (set CHROMIUM_PATH)")
    started = time.monotonic()
    progress(20)  # from now on the heartbeat runs, browser start-up included
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                progress(30)
                context = browser.new_context(
                    viewport={"width": PAGE_WIDTH_PX, "height": 1100},
                    device_scale_factor=2,
                    java_script_enabled=True,
                )
                context.route("**/*", lambda route: route.abort())  # offline: nothing leaves the machine
                context.set_default_timeout(CHARTS_TIMEOUT_MS)  # a busy machine parses plotly.js slowly
                page = context.new_page()
                page.set_content(html, wait_until="load")
                page.add_style_tag(path=_static_path("css/report.css"))
                page.add_script_tag(path=_static_path("vendor/plotly/plotly-basic.min.js"))
                page.add_script_tag(path=_static_path("js/report.js"))
                page.wait_for_function(
                    "document.documentElement.dataset.chartsReady !== undefined", timeout=CHARTS_TIMEOUT_MS
                )
                if page.evaluate("document.documentElement.dataset.chartsReady") != "true":
                    raise RenderError("a chart could not be drawn")
                progress(60)
                logger.info(
                    "report charts drawn",
                    extra={"event": "report_charts_drawn", "seconds": round(time.monotonic() - started, 2)},
                )
                return work(page, progress)
            finally:
                browser.close()
    except PlaywrightError as error:
        raise RenderError(str(error)) from error


def render_files(
    report: dict[str, Any],
    *,
    pdf: bool = True,
    images: bool = True,
    progress: Progress = lambda _percent: None,
) -> tuple[bytes | None, dict[str, bytes] | None]:
    """(PDF, chart PNGs) of the report from one browser session; either may be skipped (None).

    PDF: A4 printed by Chromium, charts as vector graphics, page numbers at the foot.
    PNGs: screenshots (2× scale) of every chart as the browser drew it, by chart id, for the DOCX.
    """
    html = document_html(report)
    chart_ids = [
        finding["chart_id"] for section in report["sections"] for finding in section["findings"] if finding["chart_id"]
    ]
    footer = (
        '<div style="font-size:8px;width:100%;text-align:center;color:#6c757d;">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    )

    def work(page, record: Progress) -> tuple[bytes | None, dict[str, bytes] | None]:
        pngs = None
        if images:
            pngs = {}
            for index, chart_id in enumerate(chart_ids, start=1):
                pngs[chart_id] = page.locator(f'[id="report-chart-{chart_id}"]').screenshot(type="png")
                record(60 + int(25 * index / max(len(chart_ids), 1)))
        document = None
        if pdf:
            document = page.pdf(
                format="A4",
                margin=PDF_MARGINS,
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=footer,
            )
        return document, pngs

    return _in_thread(lambda record: _with_charts(html, work, record), progress)


def render_pdf(report: dict[str, Any], *, progress: Progress = lambda _percent: None) -> bytes:
    """The report as an A4 PDF (see `render_files`)."""
    document, _images = render_files(report, pdf=True, images=False, progress=progress)
    return document


def render_chart_images(
    report: dict[str, Any], *, progress: Progress = lambda _percent: None
) -> dict[str, bytes]:
    """PNG screenshots of every chart, by chart id (see `render_files`)."""
    _document, images = render_files(report, pdf=False, images=True, progress=progress)
    return images


# --- DOCX -------------------------------------------------------------------------------------------


def _set_rtl(paragraph) -> None:
    """Right-to-left paragraph (Arabic): <w:bidi/> in its properties."""
    from docx.oxml import OxmlElement

    properties = paragraph._p.get_or_add_pPr()
    properties.append(OxmlElement("w:bidi"))


def render_docx(report: dict[str, Any], images: dict[str, bytes]) -> bytes:
    """The report as an editable Word document: the same text, the charts as pictures, the annex with its
    paragraphs and bullet lists. Text goes in as text runs, so nothing typed in an answer is interpreted."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    rtl = get_language_bidi()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    document.core_properties.title = report["title"]
    document.core_properties.subject = report["kicker"]
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)

    def paragraph(text: str, style: str | None = None):
        item = document.add_paragraph(text, style=style)
        if rtl:
            _set_rtl(item)
        return item

    def heading(text: str, level: int):
        item = document.add_heading(text, level=level)
        if rtl:
            _set_rtl(item)
        return item

    kicker = paragraph(report["kicker"])
    kicker.runs[0].font.color.rgb = RGBColor(0x6C, 0x75, 0x7D)
    heading(report["title"], 0)
    if report.get("synthetic_note"):
        paragraph(report["synthetic_note"]).runs[0].bold = True
    for text in report["intro"]:
        paragraph(text)
    heading(_("Summary"), 1)
    for text in report["summary"]:
        paragraph(text)
    notes = paragraph(" ".join(report["notes"]))
    for run in notes.runs:
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x6C, 0x75, 0x7D)

    for report_section in report["sections"]:
        heading(report_section["title"], 1)
        for finding in report_section["findings"]:
            heading(finding["heading"], 2)
            for text in finding["paragraphs"]:
                paragraph(text)
            note = paragraph(finding["note"])
            for run in note.runs:
                run.font.size = Pt(9)
                run.italic = True
            if not finding["chart_id"]:
                continue  # hinted with no chart: no figure
            image = images.get(finding["chart_id"])
            if image:
                document.add_picture(io.BytesIO(image), width=Cm(DOCX_IMAGE_WIDTH_CM))
                document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption = paragraph(
                _("Figure %(number)s. %(title)s")
                % {"number": finding["figure_number"], "title": finding["chart_title"]},
                style="Caption",
            )
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def blocks(items: list[dict[str, Any]]) -> None:
        for block in items:
            if block["kind"] == "list":
                for item in block["items"]:
                    paragraph(item, style="List Bullet")
            else:
                item = paragraph("")
                for index, line in enumerate(block["lines"]):
                    run = item.add_run(line)
                    if index < len(block["lines"]) - 1:
                        run.add_break()

    def practices(items: list[dict[str, Any]]) -> None:
        for practice in items:
            if practice["title"]:
                title = paragraph("")
                title.add_run(practice["title"]).bold = True
                if practice["iscm"]:
                    title.add_run(f" — {practice['iscm']}")
            elif practice["iscm"]:
                paragraph("").add_run(practice["iscm"]).bold = True
            blocks(practice["blocks"])
            line = " · ".join(part for part in (practice["tags"], practice["link"]) if part)
            if line:
                for run in paragraph(line).runs:
                    run.font.size = Pt(9)
                    run.font.color.rgb = RGBColor(0x6C, 0x75, 0x7D)

    def iscms(items: list[dict[str, Any]], level: int) -> None:
        for iscm in items:
            heading(iscm["name"], level)
            if not iscm["answers"]:
                paragraph(_("No answer to these questions."))
            for answer in iscm["answers"]:
                heading(answer["question"], level + 1)
                if answer.get("practices"):
                    practices(answer["practices"])
                else:
                    blocks(answer["blocks"])

    annex = report["annex"]
    document.add_page_break()
    heading(annex["title"], 1)
    if annex["grouping"] == "gcm":
        paragraph(annex["intro"])
        if not annex["groups"]:
            paragraph(_("No practice of this campaign has been published yet."))
        for group in annex["groups"]:
            heading(group["heading"], 2)
            practices(group["practices"])
        if annex["iscms"]:
            heading(annex["others_title"], 2)
            paragraph(annex["others_intro"])
            iscms(annex["iscms"], 3)
    elif not annex["has_questions"]:
        paragraph(_("This questionnaire has no open questions to quote."))
    elif not annex["iscms"]:
        paragraph(_("No ISCM has responded yet."))
    else:
        paragraph(annex["intro"])
        iscms(annex["iscms"], 2)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
