"""CSV of aggregates and of each dashboard chart. The `export_aggregates` command and the dashboard's
download links write through the same functions, so a file is the same whichever door it came from.

Aggregates CSV: exactly the columns of AGGREGATE_COLUMNS, one row per choice of every choice question
(zero counts included), questions in questionnaire order, choices in their order. Percentages have one
decimal (half up, e.g. 76.9); when the denominator is 0 (nobody answered the question) the percentage
cells are empty, because there is no percentage to give, and `rank` is 1 for every choice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from questionnaires.csv_io import csv_safe  # the one rule, shared with the responses' exports

from .numbers import percent_text

AGGREGATE_COLUMNS = [
    "question",
    "choice",
    "label",
    "count",
    "base",
    "pct_of_respondents",
    "selections",
    "pct_of_selections",
    "rank",
]
RATE_COLUMNS = ["group", "label", "invited", "responded", "rate"]
SUBMISSION_COLUMNS = ["date", "submitted", "cumulative"]

def aggregate_csv_rows(rows: Iterable[dict[str, Any]]) -> Iterable[list[object]]:
    """`selectors.aggregate_rows` (or one question's choices with question/base/selections) → CSV rows."""
    yield AGGREGATE_COLUMNS
    for row in rows:
        yield [
            row["question"],
            row["code"],
            csv_safe(row["label"]),
            row["count"],
            row["base"],
            percent_text(row["count"], row["base"]),
            row["selections"],
            percent_text(row["count"], row["selections"]),
            row["rank"],
        ]


def question_rows(question: dict[str, Any]) -> list[dict[str, Any]]:
    """One question of `selectors.choice_questions` as aggregate rows (choices in their order)."""
    return [
        {
            "question": question["code"],
            "base": question["base"],
            "selections": question["selections"],
            **choice,
        }
        for choice in question["choices"]
    ]


def rate_csv_rows(rows: Iterable[dict[str, Any]]) -> Iterable[list[object]]:
    yield RATE_COLUMNS
    for row in rows:
        yield [
            csv_safe(row["key"]),
            csv_safe(row["label"]),
            row["invited"],
            row["responded"],
            percent_text(row["responded"], row["invited"]),
        ]


def submission_csv_rows(points: Iterable[dict[str, Any]]) -> Iterable[list[object]]:
    yield SUBMISSION_COLUMNS
    for point in points:
        yield [point["date"], point["count"], point["cumulative"]]


def csv_write(rows: Iterable[list[object]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)


class Echo:
    """A file-like object whose write returns the line, for StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[object]]) -> Iterable[str]:
    writer = csv.writer(Echo(), lineterminator="\n")
    for row in rows:
        yield writer.writerow(row)
