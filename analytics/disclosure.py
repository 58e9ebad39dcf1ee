"""Disclosure control: which selections' figures a user who may not read individual responses may see.

Every figure an observer can request is a sum over the responding ISCMs of one selection: the counts,
bases and selections of the choice questions, the submissions per day and the number of text answers, for
all ISCMs or filtered by region, by ISCM type, or both. Anyone who can request the figures of several
selections can add and subtract them: all ISCMs minus RCP minus IRF gives the global processes' figures,
even when the GLOBAL selection itself is refused. So a selection cannot be judged alone.

The rule (query auditing, see docs/security.md): the ISCMs of one (region, type) cell are
indistinguishable to every filter, so a selection is a 0/1 vector over the cells that have responded.
Selections are considered in a fixed order (all ISCMs, each type, each region, each region and type) and
one is released only if, together with those already released, no combination of them with any rational
coefficients gives the figures of a group of 1 to `DISCLOSURE_MIN_RESPONDENTS` - 1 responding ISCMs:
that is, no such group's vector lies in the span of the released vectors (exact arithmetic on fractions).
Everything else is withheld, whatever its own size. A selection with no respondent shows only zeros and is
always released.

Response counts per region and type (who took part, not what they answered) are not covered: the
dashboard shows them to observers. Coordinators and administrators (`can_view_all_responses`) see
everything. The decision uses `selectors.response_groups` only: no query of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

from django.conf import settings

from questionnaires.selectors import can_view_all_responses

Selection = tuple[str, str]  # (region, iscm_type); "" means any
ALL: Selection = ("", "")


def minimum_respondents() -> int:
    return int(getattr(settings, "DISCLOSURE_MIN_RESPONDENTS", 3))


class _Span:
    """The rational span of some vectors, kept in reduced row echelon form (pivot column → row)."""

    def __init__(self, rows: dict[int, list[Fraction]] | None = None):
        self.rows = dict(rows or {})

    def reduce(self, vector: Sequence[Fraction | int]) -> list[Fraction]:
        remainder = [Fraction(value) for value in vector]
        for pivot, row in self.rows.items():
            factor = remainder[pivot]
            if factor:
                remainder = [a - factor * b for a, b in zip(remainder, row, strict=True)]
        return remainder

    def contains(self, vector: Sequence[Fraction | int]) -> bool:
        return not any(self.reduce(vector))

    def with_vector(self, vector: Sequence[Fraction | int]) -> _Span:
        remainder = self.reduce(vector)
        pivot = next((index for index, value in enumerate(remainder) if value), None)
        if pivot is None:
            return self
        head = remainder[pivot]
        new_row = [value / head for value in remainder]
        rows = {
            column: [a - row[pivot] * b for a, b in zip(row, new_row, strict=True)] if row[pivot] else row
            for column, row in self.rows.items()
        }
        rows[pivot] = new_row
        return _Span(rows)


def _small_groups(sizes: list[int], limit: int) -> Iterator[list[int]]:
    """Index sets of cells whose ISCMs add up to 1 … limit - 1 (every cell has at least one)."""

    def extend(start: int, chosen: list[int], total: int) -> Iterator[list[int]]:
        for index in range(start, len(sizes)):
            new_total = total + sizes[index]
            if new_total < limit:
                group = [*chosen, index]
                yield group
                yield from extend(index + 1, group, new_total)

    return extend(0, [], 0)


def _candidates(groups: list[dict[str, Any]]) -> list[Selection]:
    regions = sorted({group["region"] for group in groups})
    types = sorted({group["type"] for group in groups})
    return [
        ALL,
        *(("", iscm_type) for iscm_type in types),
        *((region, "") for region in regions),
        *((region, iscm_type) for region in regions for iscm_type in types),
    ]


def _selects(selection: Selection, group: dict[str, Any]) -> bool:
    region, iscm_type = selection
    return (not region or group["region"] == region) and (not iscm_type or group["type"] == iscm_type)


def released_selections(groups: list[dict[str, Any]], *, minimum: int | None = None) -> set[Selection]:
    """The selections whose figures may be shown to someone who may not read individual responses.

    `groups` is `selectors.response_groups(campaign)`: invited and responded ISCMs per (region, type).
    """
    minimum = minimum_respondents() if minimum is None else minimum
    key = tuple(sorted((group["region"], group["type"], group["responded"]) for group in groups))
    return set(_released(key, minimum))


@functools.lru_cache(maxsize=256)
def _released(key: tuple[tuple[str, str, int], ...], minimum: int) -> frozenset[Selection]:
    """The audit itself (a fraction of a second for two dozen cells), cached: it depends on nothing else."""
    groups = [{"region": region, "type": iscm_type, "responded": responded} for region, iscm_type, responded in key]
    cells = [group for group in groups if group["responded"] > 0]
    targets = []
    for indexes in _small_groups([cell["responded"] for cell in cells], minimum):
        vector = [0] * len(cells)
        for index in indexes:
            vector[index] = 1
        targets.append(vector)
    span = _Span()
    released: set[Selection] = set()
    for selection in _candidates(groups):
        vector = [1 if _selects(selection, cell) else 0 for cell in cells]
        if not any(vector):
            released.add(selection)  # nobody responded in it: zeros reveal no answer
            continue
        extended = span.with_vector(vector)
        if extended is not span and any(extended.contains(target) for target in targets):
            continue
        span = extended
        released.add(selection)
    return frozenset(released)


def figures_shown(user, groups: list[dict[str, Any]], *, region: str = "", iscm_type: str = "") -> bool:
    """May `user` see the figures (per question, over time, text counts) of this selection?"""
    if can_view_all_responses(user):
        return True
    selection = (region or "", iscm_type or "")
    if not any(group["responded"] and _selects(selection, group) for group in groups):
        return True  # nobody responded in it: zeros reveal no answer
    return selection in released_selections(groups)
