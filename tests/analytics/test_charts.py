"""charts.py: plain data in, Plotly figure dicts out — no database."""

from __future__ import annotations

import json

from analytics import charts
from analytics.numbers import competition_ranks, percent, percent_1dp, percent_text


def _question(
    counts: dict[str, int],
    *,
    base: int,
    selections: int | None = None,
    choice_list: str = "",
    code: str = "q",
    labels: dict[str, str] | None = None,
    **hints,
) -> dict:
    """A question dict as `selectors.choice_questions` returns it, built by hand."""
    codes = list(counts)
    ranks = competition_ranks([counts[c] for c in codes])
    labels = labels or {}
    choices = [
        {
            "code": c,
            "label": labels.get(c, f"Choice {c}"),
            "description": f"Full title of {c}",
            "report_phrase": "",
            "display_label": (
                f"Objective {c} – {labels.get(c, 'Title')}"
                if choice_list == "gcm"
                else f"SDG {c} – {labels.get(c, 'Title')}"
                if choice_list == "sdg"
                else labels.get(c, f"Choice {c}")
            ),
            "position": i,
            "count": counts[c],
            "rank": ranks[i],
            "pct_of_respondents": percent(counts[c], base),
            "pct_of_selections": percent(
                counts[c], selections if selections is not None else sum(counts.values())
            ),
        }
        for i, c in enumerate(codes)
    ]
    return {
        "code": code,
        "label": "Which ones?",
        "type": "multiple_choice",
        "section": "S",
        "choice_list": choice_list,
        "hints": {"chart": "bars", "of_selections": False, "title": "Which ones?", "top": 3} | hints,
        "base": base,
        "selections": selections if selections is not None else sum(counts.values()),
        "answered": base > 0,
        "choices": choices,
        "ranked": sorted(choices, key=lambda c: (c["rank"], c["position"])),
    }


def test_percentages_round_half_up_to_one_decimal_and_never_divide_by_zero():
    assert percent_1dp(10, 13) == percent_1dp(10, 13).quantize(percent_1dp(1, 10))
    assert str(percent_1dp(10, 13)) == "76.9"
    assert str(percent_1dp(1, 16)) == "6.3"  # 6.25: half up, not to even
    assert str(percent_1dp(11, 31)) == "35.5"
    assert percent(3, 0) is None and percent_1dp(3, 0) is None and percent_text(3, 0) == ""
    assert percent_text(0, 13) == "0.0"


def test_competition_ranks_share_the_rank_and_skip_the_next():
    assert competition_ranks([5, 3, 3, 1]) == [1, 2, 2, 4]
    assert competition_ranks([10, 8, 7, 7, 7, 3]) == [1, 2, 3, 3, 3, 6]
    assert competition_ranks([0, 0]) == [1, 1]


def test_gcm_ranking_is_sorted_with_rank_one_on_top_labelled_with_percent_and_fraction():
    question = _question(
        {"1": 7, "2": 8, "23": 10},
        base=13,
        choice_list="gcm",
        labels={"1": "Accurate data", "2": "Adverse drivers", "23": "International cooperation"},
    )
    figure = charts.choice_ranking(question, title="GCM contributions")
    bar = figure["data"][0]
    assert bar["type"] == "bar" and bar["orientation"] == "h"
    assert bar["y"] == [
        "Objective 23 – International cooperation",
        "Objective 2 – Adverse drivers",
        "Objective 1 – Accurate data",
    ]
    assert bar["text"] == ["76.9% (10/13)", "61.5% (8/13)", "53.8% (7/13)"]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"  # the first category is drawn at the top
    assert [row[0] for row in bar["customdata"]] == ["23", "2", "1"]  # choice codes for the drill-down
    assert "Full title of 23" in bar["customdata"][0][1]  # full title on hover
    assert "n = 13" in figure["layout"]["xaxis"]["title"]["text"]
    json.dumps(figure)  # ready for json_script


def test_sdg_ranking_uses_the_official_sdg_colours():
    question = _question({"8": 11, "10": 10, "17": 9, "5": 8}, base=14, choice_list="sdg")
    figure = charts.choice_ranking(question, title="SDG priorities")
    assert figure["data"][0]["marker"]["color"] == ["#A21942", "#DD1367", "#19486A", "#FF3A21"]
    assert len(charts.SDG_COLOURS) == 17 and charts.SDG_COLOURS["1"] == "#E5243B"


def test_share_of_selections_uses_the_selections_as_denominator():
    question = _question(
        {"regional_event": 11, "written_input": 8, "iscm_event": 8, "other": 4}, base=13, of_selections=True
    )
    figure = charts.question_chart(question)
    assert figure["data"][0]["text"] == ["35.5% (11/31)", "25.8% (8/31)", "25.8% (8/31)", "12.9% (4/31)"]
    assert "selections" in figure["layout"]["xaxis"]["title"]["text"]


def test_a_donut_shows_a_single_choice_in_questionnaire_order():
    question = _question({"yes": 9, "no": 0, "undecided": 4}, base=13, chart="donut")
    figure = charts.question_chart(question)
    pie = figure["data"][0]
    assert pie["type"] == "pie" and pie["hole"] == 0.5
    assert pie["values"] == [9, 0, 4]
    assert pie["text"] == ["69.2% (9/13)", "", "30.8% (4/13)"]
    # the slices are labelled with their choice, not told apart by colour alone
    assert pie["texttemplate"] == ["%{label}<br>%{text}", "", "%{label}<br>%{text}"]


def test_bars_are_titled_with_the_title_hint():
    question = _question({"a": 1, "b": 2}, base=2, title="Choices in the hint")
    figure = charts.question_chart(question)
    assert figure["data"][0]["type"] == "bar"
    assert figure["layout"]["title"]["text"] == "Choices in the hint"


def test_a_question_hinted_with_no_chart_has_no_figure():
    data = {
        "by_region": [],
        "by_type": [],
        "over_time": [],
        "kpis": {"invited": 0},
        "questions": [
            _question({"a": 1}, base=1, code="shown"),
            _question({"b": 1}, base=1, code="hidden", chart="none"),
        ],
    }
    assert "hidden" not in charts.dashboard_figures(data) and "shown" in charts.dashboard_figures(data)


def test_a_question_nobody_answered_gives_an_empty_chart_saying_so():
    question = _question({"a": 0, "b": 0}, base=0, selections=0)
    for figure in (
        charts.choice_ranking(question, title="T"),
        charts.choice_donut(question, title="T"),
        charts.choice_ranking(question, title="T", of_selections=True),
    ):
        assert figure["data"] == []
        assert figure["layout"]["annotations"][0]["text"] == "No answers yet"


def test_labels_are_escaped_for_plotly_pseudo_html():
    question = _question({"a": 1}, base=1, labels={"a": "<b onmouseover=x>Bold</b>"})
    figure = charts.choice_ranking(question, title="<script>")
    assert figure["data"][0]["y"] == ["&lt;b onmouseover=x&gt;Bold&lt;/b&gt;"]
    assert figure["layout"]["title"]["text"] == "&lt;script&gt;"


def test_response_rates_and_submissions_over_time():
    rows = [
        {"key": "Africa", "label": "Africa", "invited": 7, "responded": 4, "rate": percent(4, 7)},
        {"key": "Europe", "label": "Europe", "invited": 0, "responded": 0, "rate": None},
    ]
    figure = charts.response_rate_by_region(rows)
    assert figure["data"][0]["y"] == ["Africa"]  # a group with nobody invited has no rate to draw
    assert figure["data"][0]["text"] == ["57.1% (4/7)"]
    points = [
        {"date": "2023-04-11", "count": 2, "cumulative": 2},
        {"date": "2023-04-14", "count": 1, "cumulative": 3},
    ]
    line = charts.submissions_over_time(points, invited=24)
    assert line["data"][0]["x"] == ["2023-04-11", "2023-04-14"] and line["data"][0]["y"] == [2, 3]
    assert line["layout"]["shapes"][0]["y0"] == 24
    assert charts.submissions_over_time([])["layout"]["annotations"][0]["text"] == "No answers yet"


def test_dashboard_figures_has_one_chart_per_choice_question():
    data = {
        "by_region": [],
        "by_type": [],
        "over_time": [],
        "kpis": {"invited": 0},
        "questions": [_question({"a": 1}, base=1, code="first"), _question({"x": 0}, base=0, code="second")],
    }
    figures = charts.dashboard_figures(data)
    assert list(figures) == ["response-rate-region", "response-rate-type", "submissions", "first", "second"]


def test_every_chart_draws_only_trace_types_of_the_partial_plotly_bundle():
    # The pages load plotly.js's "basic" bundle (bar, pie, scatter): another trace type would draw nothing.
    data = {
        "by_region": [{"key": "Africa", "label": "Africa", "invited": 7, "responded": 4, "rate": percent(4, 7)}],
        "by_type": [{"key": "RCP", "label": "RCP", "invited": 7, "responded": 4, "rate": percent(4, 7)}],
        "over_time": [{"date": "2023-04-11", "count": 2, "cumulative": 2}],
        "kpis": {"invited": 7},
        "questions": [
            _question({"1": 3, "2": 1}, base=4, choice_list="gcm", code="contributes"),
            _question({"yes": 2, "no": 1}, base=3, code="plan", chart="donut"),
            _question({"f": 2, "g": 1}, base=3, code="formats", of_selections=True),
            _question({"x": 0}, base=0, code="nobody"),
        ],
    }
    figures = charts.dashboard_figures(data)
    types = {trace["type"] for figure in figures.values() for trace in figure["data"]}
    assert types == {"bar", "pie", "scatter"}, types


def test_each_chart_states_its_main_finding_in_words():
    question = _question({"23": 10, "1": 8, "5": 0}, base=13, choice_list="gcm", labels={"23": "Cooperation"})
    assert charts.question_finding(question) == (
        "Most selected: Objective 23 – Cooperation, by 10 of 13 ISCMs that answered (76.9%). "
        "Next: Objective 1 – Title (61.5%)."
    )
    tied = _question({"a": 2, "b": 2}, base=3, labels={"a": "Alpha", "b": "Beta"})
    assert charts.question_finding(tied, of_selections=True) == "Most selected: Alpha; Beta, 2 of 4 selections (50.0%)."
    assert charts.question_finding(_question({"x": 0}, base=0)) == "No ISCM has answered this question yet."

    rows = [
        {"key": "Africa", "label": "Africa", "invited": 6, "responded": 5},
        {"key": "Europe", "label": "Europe", "invited": 4, "responded": 1},
        {"key": "Oceania", "label": "Oceania", "invited": 0, "responded": 0},
    ]
    assert charts.response_rate_finding(rows) == (
        "Highest response rate: Africa, 5 of 6 invited ISCMs (83.3%). Lowest: Europe, 1 of 4 (25.0%)."
    )
    points = [
        {"date": "2023-04-11", "count": 1, "cumulative": 1},
        {"date": "2023-04-14", "count": 3, "cumulative": 4},
    ]
    assert charts.submissions_finding(points) == (
        "4 responses submitted between 2023-04-11 and 2023-04-14; the busiest day, 2023-04-14, had 3."
    )
