"""Disclosure control against differencing: an observer collects every figure they can request (every
filter and combination, the chart CSVs, the timeline, the free-text counts) on campaigns built to be
awkward, and tries to derive the figures of any group of fewer than 3 responding ISCMs by adding and
subtracting them. The attack is checked against a naive rule (each selection alone ≥ 3), which it breaks."""

from __future__ import annotations

import csv
import io
import itertools
from fractions import Fraction

import pytest
from django.urls import reverse

from analytics import disclosure
from analytics.services import aggregates_recompute
from questionnaires.models import Iscm

pytestmark = pytest.mark.django_db

CHOICES = ["a", "b", "c", "d", "e"]

# (region, type, how many responding ISCMs): cells of 1, 2 and 3 ISCMs, nested region × type filters
AWKWARD = [
    ("Africa", Iscm.Type.RCP, 3),
    ("Africa", Iscm.Type.IRF, 1),
    ("Americas", Iscm.Type.RCP, 2),
    ("Americas", Iscm.Type.GLOBAL, 1),
    ("Europe", Iscm.Type.RCP, 3),
    ("Europe", Iscm.Type.IRF, 2),
]
# The 2023 survey's shape: 8 RCPs, 5 IRFs, 1 global process; RCPs nested in regions
SURVEY_2023 = [
    ("Africa", Iscm.Type.RCP, 3),
    ("Americas", Iscm.Type.RCP, 1),
    ("Asia", Iscm.Type.RCP, 4),
    ("Africa", Iscm.Type.IRF, 2),
    ("Europe", Iscm.Type.IRF, 3),
    ("Global", Iscm.Type.GLOBAL, 1),
]


def _answers(index: int) -> dict:
    """Different answers for every ISCM: the choices of the bits of index + 1."""
    picked = [code for bit, code in enumerate(CHOICES) if (index + 1) >> bit & 1]
    return {"multi": picked, "single": "yes" if index % 2 else "no", "note": "x" * (index % 3)}


def _build(survey, cells) -> dict[str, tuple[str, str]]:
    iscms = {}
    index = 0
    for region, iscm_type, count in cells:
        for _n in range(count):
            response = survey.submit(_answers(index), region=region, iscm_type=iscm_type)
            iscms[response.iscm.acronym] = (region, iscm_type)
            index += 1
    survey.draft({"multi": ["e"]}, region="Americas", iscm_type=Iscm.Type.GLOBAL)  # never counted
    aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    return iscms


def _selections(iscms):
    regions = sorted({region for region, _type in iscms.values()})
    types = sorted({iscm_type for _region, iscm_type in iscms.values()})
    return [("", ""), *(("", t) for t in types), *((r, "") for r in regions), *itertools.product(regions, types)]


def _members(iscms, selection) -> frozenset[str]:
    region, iscm_type = selection
    return frozenset(
        acronym
        for acronym, (r, t) in iscms.items()
        if (not region or r == region) and (not iscm_type or t == iscm_type)
    )


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _figures(client, slug, selection) -> dict[str, Fraction] | None:
    """Every number the observer gets for one selection, by name; None when it is withheld."""
    params = {key: value for key, value in zip(("region", "iscm_type"), selection, strict=True) if value}
    figures: dict[str, Fraction] = {}
    aggregates = client.get(reverse("analytics:aggregates_csv", args=[slug]), params)
    submissions = client.get(reverse("analytics:chart_data", args=[slug, "submissions"]), params)
    multi = client.get(reverse("analytics:chart_data", args=[slug, "multi"]), params)
    page = client.get(reverse("analytics:dashboard", args=[slug]), params)
    statuses = {aggregates.status_code, submissions.status_code, multi.status_code}
    if page.context["withheld"]:
        # nothing that sums answers may be on the page or in the files
        assert statuses == {403}
        assert page.context["data"]["questions"] == [] and page.context["data"]["over_time"] == []
        assert all(q["answers"] is None for q in page.context["data"]["text_questions"])
        assert "submissions" not in page.context["figures"]
        return None
    assert statuses == {200}
    for row in _csv_rows(aggregates)[1:]:
        figures[f"{row[0]}/{row[1]}/count"] = Fraction(row[3])
        figures[f"{row[0]}/base"] = Fraction(row[4])
        figures[f"{row[0]}/selections"] = Fraction(row[6])
    for row in _csv_rows(submissions)[1:]:
        figures[f"day/{row[0]}"] = Fraction(row[1])
    for question in page.context["data"]["text_questions"]:
        figures[f"texts/{question['code']}"] = Fraction(question["answers"])
    return figures


def _combination(vectors: list[list[int]], target: list[int]) -> list[Fraction] | None:
    """Coefficients c with sum(c[i] * vectors[i]) == target (exact Gaussian elimination), or None."""
    rows = len(target)
    columns = len(vectors)
    # augmented matrix: one equation per ISCM, one unknown per vector
    matrix = [[Fraction(vectors[j][i]) for j in range(columns)] + [Fraction(target[i])] for i in range(rows)]
    pivots = []
    row = 0
    for column in range(columns):
        pivot = next((r for r in range(row, rows) if matrix[r][column]), None)
        if pivot is None:
            continue
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        head = matrix[row][column]
        matrix[row] = [value / head for value in matrix[row]]
        for other in range(rows):
            if other != row and matrix[other][column]:
                factor = matrix[other][column]
                matrix[other] = [a - factor * b for a, b in zip(matrix[other], matrix[row], strict=True)]
        pivots.append(column)
        row += 1
    if any(matrix[r][-1] for r in range(row, rows)):
        return None
    coefficients = [Fraction(0)] * columns
    for r, column in enumerate(pivots):
        coefficients[column] = matrix[r][-1]
    return coefficients


def _attack(released: dict[tuple[str, str], dict[str, Fraction]], iscms, minimum: int = 3):
    """The groups of 1 … minimum-1 responding ISCMs whose figures the released ones give, with them."""
    acronyms = sorted(iscms)
    selections = list(released)
    vectors = [[1 if a in _members(iscms, s) else 0 for a in acronyms] for s in selections]
    leaks = []
    for size in range(1, minimum):
        for group in itertools.combinations(acronyms, size):
            target = [1 if a in group else 0 for a in acronyms]
            coefficients = _combination(vectors, target)
            if coefficients is None:
                continue
            names = set().union(*(released[s] for s in selections))
            derived = {
                name: sum(c * released[s].get(name, 0) for c, s in zip(coefficients, selections, strict=True))
                for name in sorted(names)
            }
            leaks.append((group, derived))
    return leaks


@pytest.mark.parametrize("cells", [AWKWARD, SURVEY_2023], ids=["awkward", "survey-2023"])
def test_no_group_of_fewer_than_3_iscms_can_be_derived_from_what_an_observer_can_request(
    client, survey, observer, coordinator, cells
):
    iscms = _build(survey, cells)
    slug = survey.campaign.slug

    client.force_login(observer)
    released = {}
    for selection in _selections(iscms):
        figures = _figures(client, slug, selection)
        if figures is not None:
            released[selection] = figures
    assert ("", "") in released  # the whole campaign's figures are still there
    assert len(released) > 1  # and some filters
    assert _attack(released, iscms) == []

    # The attack works: with each selection judged alone (≥ 3 responding), it finds groups of one
    # and two ISCMs, and their figures are those ISCMs' own answers.
    client.force_login(coordinator)
    naive = {
        selection: _figures(client, slug, selection)
        for selection in _selections(iscms)
        if len(_members(iscms, selection)) >= 3
    }
    leaks = _attack(naive, iscms)
    assert leaks
    single = next((group, derived) for group, derived in leaks if len(group) == 1)
    (acronym,), derived = single
    index = sorted(iscms, key=lambda a: int(a[1:])).index(acronym)
    picked = _answers(index)["multi"]
    assert {code for code in CHOICES if derived[f"multi/{code}/count"] == 1} == set(picked)
    assert all(derived[f"multi/{code}/count"] == 0 for code in CHOICES if code not in picked)


def test_the_issue_example_total_minus_rcp_minus_irf_is_refused():
    """14 ISCMs: 8 RCPs, 5 IRFs and one global process. All, and one of the types, are shown; with both
    RCP and IRF, all minus RCP minus IRF would be the global process's answers."""
    groups = [
        {"region": "Africa", "type": "RCP", "invited": 5, "responded": 4},
        {"region": "Americas", "type": "RCP", "invited": 4, "responded": 4},
        {"region": "Europe", "type": "IRF", "invited": 5, "responded": 5},
        {"region": "Global", "type": "GLOBAL", "invited": 1, "responded": 1},
    ]
    released = disclosure.released_selections(groups)
    assert ("", "") in released and ("", "GLOBAL") not in released
    assert not {("", "RCP"), ("", "IRF")} <= released
    assert ("Global", "") not in released


def test_a_campaign_with_fewer_than_the_minimum_shows_no_figure_at_all():
    groups = [{"region": "Africa", "type": "RCP", "invited": 5, "responded": 2}]
    assert disclosure.released_selections(groups) == set()
    # nobody responded: zeros reveal no answer
    assert disclosure.released_selections([{**groups[0], "responded": 0}]) >= {("", "")}


def test_the_threshold_is_a_setting(settings):
    groups = [
        {"region": "Africa", "type": "RCP", "invited": 5, "responded": 4},
        {"region": "Europe", "type": "IRF", "invited": 5, "responded": 4},
    ]
    assert ("", "RCP") in disclosure.released_selections(groups)
    settings.DISCLOSURE_MIN_RESPONDENTS = 5
    shown = {s for s in disclosure.released_selections(groups) if s not in {("Africa", "IRF"), ("Europe", "RCP")}}
    assert shown == {("", "")}  # (the two empty cells show zeros)


def test_a_selection_without_respondents_shows_its_zeros(observer):
    groups = [{"region": "Africa", "type": "RCP", "invited": 5, "responded": 2}]
    assert disclosure.figures_shown(observer, groups, iscm_type="GLOBAL")  # not even invited: all zeros
    assert not disclosure.figures_shown(observer, groups, region="Africa")
