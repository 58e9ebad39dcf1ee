"""Plotly figures from plain data (the dicts of `analytics.selectors`): pure functions, no database.

Each function returns a figure as a JSON-ready dict ({"data": [...], "layout": {...}}) that
`static/js/dashboard.js` draws with the vendored plotly.js. Figures are built with
`plotly.graph_objects`, so a misspelt property fails here, in the tests, not silently in the browser.

Choice rankings put rank 1 first in the data and reverse the category axis, so the first bar drawn at
the top is `figure["data"][0]["y"][0]`. Every bar of a choice chart carries `customdata[i][0]` = the
choice code, which the page uses for the drill-down.
"""

from __future__ import annotations

import datetime
import html
import textwrap
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .numbers import percent_1dp

Figure = dict[str, Any]

# Official SDG colours (UN Department of Global Communications, SDG communications guidelines).
SDG_COLOURS: dict[str, str] = {
    "1": "#E5243B",
    "2": "#DDA63A",
    "3": "#4C9F38",
    "4": "#C5192D",
    "5": "#FF3A21",
    "6": "#26BDE2",
    "7": "#FCC30B",
    "8": "#A21942",
    "9": "#FD6925",
    "10": "#DD1367",
    "11": "#FD9D24",
    "12": "#BF8B2E",
    "13": "#3F7E44",
    "14": "#0A97D9",
    "15": "#56C02B",
    "16": "#00689D",
    "17": "#19486A",
}
PRIMARY = "#0033A0"  # IOM blue
MUTED = "#6c757d"
# Every colour 3:1 or more against the white background (WCAG 1.4.11); IOM yellow darkened to #B07800.
PALETTE = ["#0033A0", "#5B92E5", "#B07800", "#00A3AD", "#D22630", "#8A8D8F", "#7D55C7", "#2CA02C"]
FONT = {
    "family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    "size": 13,
}

# Chart kinds of the presentation hints (questionnaires.schema.PresentationHints) other than the ranked
# horizontal bars (of % of respondents or of % of selections): a donut of a single choice's shares, no chart.
DONUT, NO_CHART = "donut", "none"


def chart_title(question: dict[str, Any]) -> str:
    """The title of the question's chart and report figure: its hint, else the question's label."""
    return question["hints"]["title"]


def has_chart(question: dict[str, Any]) -> bool:
    return question["hints"]["chart"] != NO_CHART


def _figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> Figure:
    base_layout = {
        "template": "none",
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 10, "r": 50, "t": 60, "b": 50},
        "hoverlabel": {"align": "left"},
        # Decimal and thousands separators of the active language: 76,9 in French and Spanish.
        "separators": formats.get_format("DECIMAL_SEPARATOR") + formats.get_format("THOUSAND_SEPARATOR"),
    }
    if translation.get_language_bidi():
        base_layout["margin"] = {**base_layout["margin"], "l": _rtl_label_margin(data)}
    # Imported here, where a figure is made: the URLconf imports this module, and commands need no plotly.
    import plotly.graph_objects as go

    return go.Figure(data=data, layout={**base_layout, **layout}).to_plotly_json()


def _rtl_label_margin(data: list[dict[str, Any]]) -> int:
    """plotly.js mis-measures right-to-left tick labels on an RTL page and lets them fall off the chart
    (its automargin then reserves nothing): reserve the room of the longest category label ourselves."""
    labels = [str(label) for trace in data if trace.get("orientation") == "h" for label in trace.get("y", [])]
    longest = max((len(label) for label in labels), default=0)
    return min(20 + 7 * longest, 360) if longest else 10


def _percent_axis(title: str, *, step: int = 20) -> dict[str, Any]:
    """A 0–100 % value axis, with room beyond 100 for the bar labels drawn outside the bars."""
    ticks = list(range(0, 101, step))
    return {
        "title": {"text": html.escape(title)},
        "range": [0, 130],
        "tickvals": ticks,
        "ticktext": [f"{tick}%" for tick in ticks],
        "showgrid": True,
        "gridcolor": "#e9ecef",
        "zeroline": False,
        "automargin": True,
        "fixedrange": True,
    }


def _category_axis() -> dict[str, Any]:
    """The labels axis of horizontal bars: first category at the top, labels never cut."""
    return {
        "autorange": "reversed",
        "automargin": True,
        "type": "category",
        "fixedrange": True,
        "ticksuffix": "  ",
    }


def _title(text: str) -> dict[str, Any]:
    return {"text": html.escape(text), "x": 0, "xanchor": "left", "font": {"size": 15}}


def _wrap(text: str, width: int = 60) -> str:
    """Escaped (plotly renders a little HTML in hover text), wrapped with <br> (it never wraps itself)."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(text, width)) if text else ""


def _pct_label(part: int, whole: int) -> str:
    """ "76.9% (10/13)" — the percentage to one decimal and the fraction it comes from."""
    value = percent_1dp(part, whole)
    if value is None:
        return _("no answers")
    return f"{formats.number_format(value, 1)}% ({part}/{whole})"


def no_answers_figure(title: str, text: str | None = None) -> Figure:
    """An empty chart that says so: a question nobody answered (base 0) has nothing to divide.
    `text` says why when it is known (e.g. nobody of the filtered region responded)."""
    return _figure(
        [],
        {
            "title": _title(title),
            "height": 200,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": html.escape(text or _("No answers yet")),
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 16, "color": MUTED},
                }
            ],
        },
    )


# --- Choice questions ----------------------------------------------------------------------------


def choice_ranking(question: dict[str, Any], *, title: str, of_selections: bool = False) -> Figure:
    """Horizontal bars, rank 1 at the top: % of respondents (count/base) or % of selections.

    Bars are labelled with the choice's display label ("Objective 23 – <short title>"), show
    "76.9% (10/13)" and the full title on hover. SDG choices take their official colours.
    """
    base = question["base"]
    denominator = question["selections"] if of_selections else base
    if not base or not denominator:
        return no_answers_figure(title)
    ranked = question["ranked"]
    measure = "pct_of_selections" if of_selections else "pct_of_respondents"
    of_what = _("of selections") if of_selections else _("of ISCMs that answered")
    colours = [
        SDG_COLOURS.get(choice["code"], PRIMARY) if question["choice_list"] == "sdg" else PRIMARY
        for choice in ranked
    ]
    hover = []
    for choice in ranked:
        lines = [f"<b>{_wrap(choice['display_label'])}</b>"]
        if choice["description"] and choice["description"] != choice["label"]:
            lines.append(_wrap(choice["description"]))
        lines.append(
            html.escape(
                _("%(count)s of %(whole)s (%(pct)s%% %(of_what)s) · rank %(rank)s")
                % {
                    "count": choice["count"],
                    "whole": denominator,
                    "pct": percent_1dp(choice["count"], denominator),
                    "of_what": of_what,
                    "rank": choice["rank"],
                }
            )
        )
        hover.append("<br>".join(lines))
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": [round(choice[measure], 4) for choice in ranked],
        "y": [html.escape(choice["display_label"]) for choice in ranked],
        "text": [_pct_label(choice["count"], denominator) for choice in ranked],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": colours},
        "customdata": [
            [choice["code"], hover_text] for choice, hover_text in zip(ranked, hover, strict=True)
        ],
        "hovertemplate": "%{customdata[1]}<extra></extra>",
        "name": "",
    }
    axis_title = (
        _("%% of selections (n = %(n)s)") if of_selections else _("%% of ISCMs that answered (n = %(n)s)")
    )
    return _figure(
        [bar],
        {
            "title": _title(title),
            "height": 110 + 26 * len(ranked),
            "bargap": 0.25,
            "showlegend": False,
            "xaxis": _percent_axis(axis_title % {"n": denominator}),
            "yaxis": _category_axis(),
        },
    )


def choice_donut(question: dict[str, Any], *, title: str) -> Figure:
    """Shares of a single choice (count/base), in questionnaire order; zero slices stay in the legend."""
    base = question["base"]
    if not base:
        return no_answers_figure(title)
    choices = question["choices"]
    pie = {
        "type": "pie",
        "hole": 0.5,
        "sort": False,
        "direction": "clockwise",
        "labels": [html.escape(choice["display_label"]) for choice in choices],
        "values": [choice["count"] for choice in choices],
        # a zero slice is not drawn; its label would float at the edge (the legend and table show it)
        "text": [_pct_label(choice["count"], base) if choice["count"] else "" for choice in choices],
        # each slice names its choice beside its share: colour never identifies a slice alone
        "texttemplate": ["%{label}<br>%{text}" if choice["count"] else "" for choice in choices],
        # one answer taking the whole ring would put its label at the bottom, under the legend
        "textposition": "inside" if sum(1 for choice in choices if choice["count"]) == 1 else "outside",
        "marker": {"colors": [PALETTE[i % len(PALETTE)] for i in range(len(choices))]},
        "customdata": [[choice["code"]] for choice in choices],
        "hovertemplate": "<b>%{label}</b><br>%{text}<extra></extra>",
        "name": "",
    }
    return _figure(
        [pie],
        {
            "title": _title(title),
            "height": 360,
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.1},
            "margin": {"l": 20, "r": 20, "t": 70, "b": 40},
            "annotations": [
                {
                    "text": html.escape(_("n = %(n)s") % {"n": base}),
                    "showarrow": False,
                    "font": {"size": 14, "color": MUTED},
                    "x": 0.5,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                }
            ],
        },
    )


def question_chart(question: dict[str, Any]) -> Figure:
    """The chart of a choice question as its presentation hints say: a donut, or ranked bars of % of
    respondents or of % of selections (callers leave out the questions hinted with no chart)."""
    hints = question["hints"]
    if hints["chart"] == DONUT:
        return choice_donut(question, title=hints["title"])
    return choice_ranking(question, title=hints["title"], of_selections=hints["of_selections"])


# --- Response rates -------------------------------------------------------------------------------


def response_rate_bars(rows: list[dict[str, Any]], *, title: str) -> Figure:
    """Horizontal bars of responded / invited per group (in the order given), labelled "57.1% (4/7)"."""
    rows = [row for row in rows if row["invited"]]
    if not rows:
        return no_answers_figure(title)
    bar = {
        "type": "bar",
        "orientation": "h",
        "y": [html.escape(row["label"]) for row in rows],
        "x": [round(row["rate"], 4) for row in rows],
        "text": [_pct_label(row["responded"], row["invited"]) for row in rows],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": PRIMARY},
        "customdata": [[row["key"]] for row in rows],
        "hovertemplate": "<b>%{y}</b><br>"
        + html.escape(_("Responded / invited"))
        + ": %{text}<extra></extra>",
        "name": "",
    }
    return _figure(
        [bar],
        {
            "title": _title(title),
            "height": 130 + 30 * len(rows),
            "bargap": 0.3,
            "showlegend": False,
            "xaxis": _percent_axis(_("Response rate (responded / invited)"), step=25),
            "yaxis": _category_axis(),
        },
    )


def response_rate_by_region(rows: list[dict[str, Any]]) -> Figure:
    return response_rate_bars(rows, title=_("Response rate by region"))


def response_rate_by_type(rows: list[dict[str, Any]]) -> Figure:
    return response_rate_bars(rows, title=_("Response rate by ISCM type"))


def _date_label(iso_date: str) -> str:
    return formats.date_format(datetime.date.fromisoformat(iso_date), "DATE_FORMAT")


def _date_ticks(iso_dates: list[str], most: int = 5) -> dict[str, list[str]]:
    """At most `most` ticks, evenly spread over the submission days, labelled in the page's date style."""
    step = max(1, -(-len(iso_dates) // most))
    chosen = iso_dates[::step]
    return {"tickmode": "array", "tickvals": chosen, "ticktext": [_date_label(day) for day in chosen]}


def submissions_over_time(points: list[dict[str, Any]], *, invited: int | None = None) -> Figure:
    """Cumulative responded responses by day of submission; a dotted line at the number invited."""
    title = _("Submissions over time")
    if not points:
        return no_answers_figure(title)
    line = {
        "type": "scatter",
        "mode": "lines+markers",
        "line": {"shape": "hv", "color": PRIMARY, "width": 3},
        "x": [point["date"] for point in points],
        "y": [point["cumulative"] for point in points],
        # dates written server-side in the page's date style (Plotly would write English months)
        "customdata": [[point["count"], _date_label(point["date"])] for point in points],
        "hovertemplate": "%{customdata[1]}<br>"
        + html.escape(_("Submitted that day"))
        + ": %{customdata[0]}<br>"
        + html.escape(_("Total"))
        + ": %{y}<extra></extra>",
        "name": html.escape(_("Responded (cumulative)")),
    }
    layout: dict[str, Any] = {
        "title": _title(title),
        "height": 360,
        "showlegend": False,
        "xaxis": {
            "type": "date",
            "title": {"text": html.escape(_("Date of submission"))},
            **_date_ticks([point["date"] for point in points]),
            "gridcolor": "#e9ecef",
            "automargin": True,
            "fixedrange": True,
        },
        "yaxis": {
            "title": {"text": html.escape(_("Responses (cumulative)"))},
            "rangemode": "tozero",
            "gridcolor": "#e9ecef",
            "tickformat": "d",
            "automargin": True,
            "fixedrange": True,
        },
    }
    if invited:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": invited,
                "y1": invited,
                "line": {"dash": "dot", "color": MUTED, "width": 1},
            }
        ]
        layout["annotations"] = [
            {
                "text": html.escape(_("Invited: %(n)s") % {"n": invited}),
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "y": invited,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": MUTED, "size": 12},
            }
        ]
        layout["yaxis"]["range"] = [0, invited * 1.1]
    return _figure([line], layout)


# --- The dashboard --------------------------------------------------------------------------------


def dashboard_figures(data: dict[str, Any], *, empty_text: str | None = None) -> dict[str, Figure]:
    """Every figure of `selectors.dashboard_data`, by chart id: "response-rate-region",
    "response-rate-type", "submissions" and the code of each choice question with a chart. `empty_text`
    replaces "No answers yet" on the charts of unanswered questions."""
    figures = {
        "response-rate-region": response_rate_by_region(data["by_region"]),
        "response-rate-type": response_rate_by_type(data["by_type"]),
        "submissions": submissions_over_time(data["over_time"], invited=data["kpis"]["invited"]),
    }
    if empty_text and not data["over_time"]:
        figures["submissions"] = no_answers_figure(_("Submissions over time"), empty_text)
    for question in data["questions"]:
        if not has_chart(question):
            continue
        if empty_text and not question["base"]:
            figures[question["code"]] = no_answers_figure(chart_title(question), empty_text)
        else:
            figures[question["code"]] = question_chart(question)
    return figures

# --- Text alternatives: the main finding of each chart, in words -----------------------------------
# Screen readers read these instead of the drawing (the page shows them under the chart); the
# figures as a table stay one click away.


def question_finding(question: dict[str, Any], *, of_selections: bool = False) -> str:
    """ "Most selected: Objective 23 – …, by 10 of 13 ISCMs (76.9%). Next: … (61.5%)." """
    denominator = question["selections"] if of_selections else question["base"]
    leaders = [choice for choice in question["ranked"] if choice["count"]]
    if not denominator or not leaders:
        return _("No ISCM has answered this question yet.")
    first = leaders[0]
    tied = [choice for choice in leaders if choice["rank"] == first["rank"]]
    values = {
        "labels": "; ".join(choice["display_label"] for choice in tied),
        "count": first["count"],
        "whole": denominator,
        "pct": _pct_only(first["count"], denominator),
    }
    if of_selections:
        text = _("Most selected: %(labels)s, %(count)s of %(whole)s selections (%(pct)s).") % values
    else:
        text = _("Most selected: %(labels)s, by %(count)s of %(whole)s ISCMs that answered (%(pct)s).") % values
    following = [choice for choice in leaders if choice["rank"] > first["rank"]]
    if following:
        second = following[0]
        text += " " + _("Next: %(label)s (%(pct)s).") % {
            "label": second["display_label"],
            "pct": _pct_only(second["count"], denominator),
        }
    return text


def response_rate_finding(rows: list[dict[str, Any]]) -> str:
    """ "Highest response rate: Africa, 5 of 6 invited ISCMs (83.3%). Lowest: …" """
    rated = [row for row in rows if row["invited"]]
    if not rated:
        return _("No ISCM invited.")
    highest = max(rated, key=lambda row: row["responded"] / row["invited"])
    lowest = min(rated, key=lambda row: row["responded"] / row["invited"])
    text = _("Highest response rate: %(label)s, %(responded)s of %(invited)s invited ISCMs (%(pct)s).") % {
        "label": highest["label"],
        "responded": highest["responded"],
        "invited": highest["invited"],
        "pct": _pct_only(highest["responded"], highest["invited"]),
    }
    if lowest is not highest and lowest["responded"] * highest["invited"] != highest["responded"] * lowest["invited"]:
        text += " " + _("Lowest: %(label)s, %(responded)s of %(invited)s (%(pct)s).") % {
            "label": lowest["label"],
            "responded": lowest["responded"],
            "invited": lowest["invited"],
            "pct": _pct_only(lowest["responded"], lowest["invited"]),
        }
    return text


def submissions_finding(points: list[dict[str, Any]]) -> str:
    """ "14 responses submitted between 2023-03-01 and 2023-04-12; the busiest day, 2023-04-10, had 4." """
    if not points:
        return _("No responses yet.")
    busiest = max(points, key=lambda point: point["count"])
    return ngettext(
        "%(total)s response submitted between %(first)s and %(last)s; the busiest day, %(day)s, had %(count)s.",
        "%(total)s responses submitted between %(first)s and %(last)s; the busiest day, %(day)s, had %(count)s.",
        points[-1]["cumulative"],
    ) % {
        "total": points[-1]["cumulative"],
        "first": points[0]["date"],
        "last": points[-1]["date"],
        "day": busiest["date"],
        "count": busiest["count"],
    }


def _pct_only(part: int, whole: int) -> str:
    return f"{formats.number_format(percent_1dp(part, whole), 1)}%"
