"""The library's chart: how many documented practices each GCM objective has (a Plotly figure dict)."""

from __future__ import annotations

import html
from typing import Any

from django.utils.translation import gettext as _

from analytics.charts import PRIMARY, Figure, _category_axis, _figure, _title, _wrap


def practices_per_objective(rows: list[dict[str, Any]]) -> Figure:
    """Horizontal bars, objectives in their order, the count of practices at the end of each bar."""
    # The chart sits in a half-width card: long titles wrap rather than being cut at the left edge.
    labels = [_wrap(_("Objective %(code)s – %(label)s") % row, 34) for row in rows]
    bar = {
        "type": "bar",
        "orientation": "h",
        "x": [row["count"] for row in rows],
        "y": labels,
        "text": [str(row["count"]) for row in rows],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": PRIMARY},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
        "name": "",
    }
    highest = max((row["count"] for row in rows), default=0)
    return _figure(
        [bar],
        {
            "title": _title(_("Documented practices per GCM objective")),
            "height": 110 + 40 * len(rows),
            "bargap": 0.25,
            "showlegend": False,
            "xaxis": {
                "title": {"text": html.escape(_("Practices"))},
                "range": [0, max(highest, 1) * 1.15],
                "dtick": 1 if highest <= 10 else None,
                "fixedrange": True,
                "automargin": True,
            },
            "yaxis": _category_axis(),
        },
    )
