"""Plotly figures of a campaign comparison (the dicts of `analytics.comparison`): pure functions.

A dumbbell chart per matched question: one row per choice (the later campaign's rank 1 at the top),
one marker per campaign on a 0–100 % axis of respondents, joined by a grey line, so the movement reads
at a glance. Campaigns differ by marker shape as well as colour (never colour alone); SDG choices keep
their official colours and the campaigns differ by shape only. Every marker carries
`customdata[i][0]` = the choice code, which the page uses for the coordinator's drill-down.
"""

from __future__ import annotations

import html
from typing import Any

from django.utils.translation import gettext as _

from .charts import (
    PALETTE,
    SDG_COLOURS,
    Figure,
    _category_axis,
    _figure,
    _percent_axis,
    _title,
    _wrap,
    no_answers_figure,
)
from .comparison import pct_text, points_text
from .numbers import percent_1dp

# First campaign hollow, middle diamond, last filled: the order reads without the legend's colours.
SYMBOLS = ("circle-open", "diamond", "circle")


def _symbol(index: int, sides: int) -> str:
    if index == sides - 1:
        return SYMBOLS[-1]
    return SYMBOLS[0] if index == 0 else SYMBOLS[1]


def question_dumbbell(question: dict[str, Any], campaign_titles: list[str]) -> Figure:
    """Percent of respondents per choice and campaign, joined per choice (a dumbbell; a slope for 3)."""
    title = question["label"]
    if not any(side["answered"] for side in question["sides"]):
        return no_answers_figure(title)
    rows = question["rows"]
    labels = [html.escape(row["display_label"]) for row in rows]
    sides = len(campaign_titles)
    sdg = question["choice_list"] == "sdg"

    # one line per choice from its lowest to its highest percentage (None breaks the line)
    line_x: list[float | None] = []
    line_y: list[str | None] = []
    for row, label in zip(rows, labels, strict=True):
        values = [cell["pct"] for cell in row["cells"] if cell is not None and cell["pct"] is not None]
        if len(values) > 1:
            line_x += [round(min(values), 4), round(max(values), 4), None]
            line_y += [label, label, None]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": line_x,
            "y": line_y,
            "line": {"color": "#adb5bd", "width": 4},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": "",
        }
    ]
    for index, campaign_title in enumerate(campaign_titles):
        default_colour = PALETTE[index % len(PALETTE)]
        points = [(row, label, row["cells"][index]) for row, label in zip(rows, labels, strict=True)]
        points = [(row, label, cell) for row, label, cell in points if cell is not None and cell["pct"] is not None]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": html.escape(campaign_title),
                "x": [round(cell["pct"], 4) for _row, _label, cell in points],
                "y": [label for _row, label, _cell in points],
                "marker": {
                    "size": 13,
                    "symbol": _symbol(index, sides),
                    "line": {"width": 2},
                    "color": [
                        SDG_COLOURS.get(row["code"], default_colour) if sdg else default_colour
                        for row, _label, _cell in points
                    ],
                },
                "customdata": [[row["code"], _hover(row, index, campaign_title)] for row, _label, _cell in points],
                "hovertemplate": "%{customdata[1]}<extra></extra>",
            }
        )
    axis_title = _("Percentage of the ISCMs that answered")  # the bases: in the hover text, table and note
    layout = {
        "title": _title(title),
        "height": 190 + 26 * len(rows),
        "showlegend": True,
        # under the axis title: a legend of long campaign titles wraps, and above it would hit the title
        "legend": {"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom"},
        "margin": {"l": 10, "r": 30, "t": 60, "b": 110},
        "xaxis": {**_percent_axis(axis_title), "range": [-3, 103]},
        "yaxis": _category_axis(),
    }
    return _figure(traces, layout)


def _hover(row: dict[str, Any], index: int, campaign_title: str) -> str:
    cell = row["cells"][index]
    lines = [f"<b>{_wrap(row['display_label'])}</b>", _wrap(campaign_title)]
    lines.append(
        html.escape(
            _("%(count)s of %(base)s (%(pct)s) · rank %(rank)s")
            % {"count": cell["count"], "base": cell["base"], "pct": pct_text(cell["pct_1dp"]), "rank": cell["rank"]}
        )
    )
    if index == len(row["cells"]) - 1 and row["delta_pct_points"] is not None:
        lines.append(html.escape(_("Change: %(points)s points") % {"points": points_text(row["delta_pct_points"])}))
    return "<br>".join(lines)


def rates_side_by_side(rows: list[dict[str, Any]], campaign_titles: list[str], *, title: str) -> Figure:
    """Grouped horizontal bars of the response rate per group (region or ISCM type), one bar per campaign."""
    if not rows:
        return no_answers_figure(title)
    traces = []
    for index, campaign_title in enumerate(campaign_titles):
        cells = [row["cells"][index] for row in rows]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": html.escape(campaign_title),
                "y": [html.escape(row["label"]) for row in rows],
                "x": [round(cell["rate"], 4) if cell and cell["rate"] is not None else None for cell in cells],
                "text": [
                    f"{_pct_text_of(cell)} ({cell['responded']}/{cell['invited']})" if cell and cell["invited"] else ""
                    for cell in cells
                ],
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": PALETTE[index % len(PALETTE)]},
                "hovertemplate": "<b>%{y}</b><br>%{text}<extra>" + html.escape(campaign_title) + "</extra>",
            }
        )
    return _figure(
        traces,
        {
            "title": _title(title),
            "height": 190 + 24 * len(rows) * len(campaign_titles),
            "barmode": "group",
            "bargap": 0.25,
            "showlegend": True,
            "legend": {"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom"},
            "margin": {"l": 10, "r": 50, "t": 60, "b": 110},
            "xaxis": _percent_axis(_("Response rate (responded / invited)"), step=25),
            "yaxis": _category_axis(),
        },
    )


def _pct_text_of(cell: dict[str, Any]) -> str:
    return pct_text(percent_1dp(cell["responded"], cell["invited"]))


def comparison_figures(comparison: dict[str, Any]) -> dict[str, Figure]:
    """Every figure of the comparison page, by chart id: "rates-region", "rates-type", question codes."""
    titles = [campaign["title"] for campaign in comparison["campaigns"]]
    figures = {
        "rates-region": rates_side_by_side(
            comparison["rates"]["by_region"], titles, title=_("Response rate by region")
        ),
        "rates-type": rates_side_by_side(comparison["rates"]["by_type"], titles, title=_("Response rate by ISCM type")),
    }
    for question in comparison["questions"]:
        figures[question["code"]] = question_dumbbell(question, titles)
    return figures
