"""Percentages as the figures show them: exact for charts, one decimal (half up) for text and CSV.

Pure functions, no database: charts, exports, templates and the report share them, so the same count
is never rounded two ways.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> float | None:
    """100 * part / whole, or None when the denominator is 0 (nothing to divide: "no answers")."""
    if not whole:
        return None
    return 100 * part / whole


def percent_1dp(part: int, whole: int) -> Decimal | None:
    """The percentage rounded to one decimal, half up, computed exactly from the integers: 10/13 → 76.9."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def percent_text(part: int, whole: int) -> str:
    """ "76.9" or "" when the denominator is 0 (the CSV's empty cell)."""
    value = percent_1dp(part, whole)
    return "" if value is None else str(value)


def competition_ranks(counts: list[int]) -> list[int]:
    """Standard competition ranking ("1224") of counts, highest first, in the order given.

    The stored ranks come from SQL's RANK(); this is the same rule for data that did not (tests, report).
    """
    return [1 + sum(1 for other in counts if other > count) for count in counts]
