"""The report's "Compared with <earlier campaign>" section (see docs/comparison.md).

The coordinator picks the earlier campaign on the report page (`Campaign.report_compared_with`); the
report then ends its findings with one section that compares every matched choice question: a sentence
on what leads ("Objective 23 remains the most cited (76.9% → 80.0%)."), the largest rises and falls, and
the dumbbell chart of the comparison page. The section has the shape of the report's other sections, so
the web page, the PDF and the DOCX show it without a renderer of their own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from questionnaires.models import Campaign

from . import comparison, comparison_charts


def report_comparison_data(campaign: Campaign) -> dict[str, Any] | None:
    """The comparison of the chosen earlier campaign with this one (stored aggregates), or None when the
    coordinator chose none (no query then)."""
    if campaign.report_compared_with_id is None:
        return None
    earlier = Campaign.objects.select_related("questionnaire").get(pk=campaign.report_compared_with_id)
    return comparison.campaign_comparison([earlier, campaign])


def report_comparison_section(data: dict[str, Any], *, first_figure: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(section, figures by chart id) of the report: one finding per matched choice question answered in
    both campaigns, figures numbered from `first_figure`."""
    earlier, later = data["campaigns"][0], data["campaigns"][-1]
    titles = [campaign["title"] for campaign in data["campaigns"]]
    findings = []
    figures = {}
    for question in data["questions"]:
        if not question["answered"]:
            continue
        chart_id = f"compare-{question['code']}"
        sentences = [comparison.leader_sentence(question, earlier["title"]), comparison.movers_sentence(question)]
        findings.append(
            {
                "code": chart_id,
                "heading": question["label"],
                "paragraphs": [" ".join(sentence for sentence in sentences if sentence)],
                "note": _(
                    "Percentages of the ISCMs that answered the question: %(before)s in %(earlier)s, %(after)s in "
                    "%(later)s. Changes are in percentage points."
                )
                % {
                    "before": question["sides"][0]["base"],
                    "earlier": earlier["title"],
                    "after": question["sides"][-1]["base"],
                    "later": later["title"],
                },
                "chart_id": chart_id,
                "chart_title": _("%(question)s: %(earlier)s and %(later)s")
                % {"question": question["label"], "earlier": earlier["title"], "later": later["title"]},
                "of_selections": False,
                # the comparison's own table is on the comparison page; the sentences give the figures here
                "answered": False,
                "table": [],
                "figure_number": first_figure + len(findings),
            }
        )
        figures[chart_id] = comparison_charts.question_dumbbell(question, titles)
    section = {
        "title": _("Compared with %(earlier)s") % {"earlier": earlier["title"]},
        "findings": findings,
    }
    return section, figures


def earlier_campaigns(campaign: Campaign) -> list[Campaign]:
    """The campaigns the report can compare with: those that opened before this one, newest first."""
    return list(Campaign.objects.filter(opens_at__lt=campaign.opens_at).exclude(pk=campaign.pk).order_by("-opens_at"))
