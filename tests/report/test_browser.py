"""The report in a real browser (Debian's headless Chromium, driven by Playwright): the coordinator opens
the 2023 report, plotly.js draws its six charts from our static files, then generates the PDF from the
page and downloads it. Screenshots: var/screenshots/report.png and report-pdf-page1.png (first PDF page,
with pdftoppm when poppler-utils is installed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from analytics.models import ReportFile
from tests.conftest import SCREENSHOTS, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def test_the_report_page_draws_its_charts_and_gives_the_pdf(server, page, demo, tmp_path):
    page.set_default_timeout(120_000)  # the PDF is generated in-process while the POST waits
    report_url = f"/campaigns/{demo.slug}/report/"
    page.goto(f"{server.url}/accounts/login/?next={report_url}")
    page.fill("input[name=username]", "coordinator@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server.url}{report_url}")

    # plotly.js draws every chart (an SVG in each), the six charts of the bundled questionnaire
    page.wait_for_function("document.documentElement.dataset.chartsReady === 'true'")
    assert page.locator(".report-chart").count() == 6
    assert page.locator(".report-chart.js-plotly-plot svg.main-svg").count() >= 6
    priorities = page.evaluate("document.getElementById('report-chart-gcm_priorities').data[0].y[0]")
    assert priorities.startswith("Objective 23 – ")
    assert "14 of the 24 ISCMs invited (58%) responded." in page.locator("#report-summary").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / "report-top.png"))
    page.locator("#finding-gcm_review_plan").screenshot(path=str(SCREENSHOTS / "report-finding.png"))

    # generate the PDF from the page (the task runs in-process here), then download it
    panel = page.locator('#report-downloads [data-format="pdf"]')
    panel.get_by_role("button", name="Generate PDF").click()
    page.wait_for_url(f"{server.url}{report_url}#report-downloads")
    link = panel.locator("[data-download-link]")
    link.wait_for(state="visible")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "iscm-contributions-2023-report-en.pdf"
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(str(pdf_path))
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    assert ReportFile.objects.get(format="pdf").status == "ready"
    shutil.copy(pdf_path, SCREENSHOTS / "report.pdf")
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "2",
                str(pdf_path),
                str(SCREENSHOTS / "report-pdf-page"),
            ],
            check=True,
            timeout=60,
        )
        assert (SCREENSHOTS / "report-pdf-page-01.png").exists()
    assert page.js_errors == []
