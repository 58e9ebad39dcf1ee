"""The report's "Compared with <earlier campaign>" section in the files: the PDF prints it with its charts
and the DOCX carries its sentences and the charts as pictures (headless Chromium draws them)."""

from __future__ import annotations

import io
import shutil
import subprocess

import docx
import pytest

from analytics.report import report_compose, report_data
from analytics.report_render import render_docx, render_files
from analytics.services import report_comparison_set
from questionnaires.models import Campaign
from tests.conftest import requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def test_the_pdf_and_the_docx_carry_the_comparison(demo, tmp_path):
    synthetic = Campaign.objects.select_related("questionnaire").get(slug="demo-cycle-2025-synthetic")
    report_comparison_set(campaign=synthetic, earlier=demo)
    report = report_compose(report_data(synthetic))
    comparison_ids = [f["chart_id"] for f in report["sections"][-1]["findings"]]
    assert "compare-gcm_priorities" in comparison_ids

    pdf, images = render_files(report, pdf=True, images=True)
    assert pdf.startswith(b"%PDF-")
    assert all(images[chart_id].startswith(b"\x89PNG") for chart_id in comparison_ids)
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Compared with Contributions of ISCMs to Global Policy Initiatives" in " ".join(text.split())

    document = docx.Document(io.BytesIO(render_docx(report, images)))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert "Compared with Contributions of ISCMs to Global Policy Initiatives" in paragraphs
    leader = "Objective 23 – International cooperation and partnerships remains the most cited (76.9% → 68.8%)."
    assert any(text.startswith(leader) for text in paragraphs)
    assert len(document.inline_shapes) == len(report["figures"])
