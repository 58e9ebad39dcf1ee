"""How good the semantic suggestions are, measured on the demo's practices that name their objectives.

Each demo answer (questionnaires/data/demo_responses_2023.json) is split as the coordinator is offered
it (`text.split_proposal`); the practices that name GCM objectives (or SDGs) are kept, their mentions
are removed (`text.mentions_removed`), and the model ranks the objectives (goals) for the rest of the
text. A practice is a hit when at least one objective it named is among the top k suggestions; recall
is the share of all the named objectives that are. `manage.py practices_suggestions_eval` prints it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from math import comb
from pathlib import Path

from .text import mentions_removed, split_proposal

DEMO_FILE = Path(__file__).resolve().parent.parent / "questionnaires" / "data" / "demo_responses_2023.json"
DEMO_YEAR = 2023
CODES = {"gcm": 23, "sdg": 17}


@dataclass
class Case:
    iscm: str
    question: str
    text: str  # without its mentions
    named: list[str]


def demo_cases(kind: str, path: Path = DEMO_FILE) -> list[Case]:
    """The demo's practices that name a GCM objective ("gcm") or an SDG ("sdg"), mentions removed."""
    cases = []
    for response in json.loads(path.read_text(encoding="utf-8"))["responses"]:
        for question, value in response["answers"].items():
            if not question.endswith("_practices") or not isinstance(value, str):
                continue
            for practice in split_proposal(value, year=DEMO_YEAR):
                named = practice.gcm if kind == "gcm" else practice.sdg
                if named:
                    cases.append(Case(response["iscm"], question, mentions_removed(practice.description), named))
    return cases


@dataclass
class Result:
    kind: str
    top: int
    practices: int
    hits: int  # practices with at least one named code in the top k
    named: int
    found: int  # named codes in the top k
    rows: list[tuple[Case, list[str]]]

    @property
    def hit_rate(self) -> float:
        return self.hits / self.practices if self.practices else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.named if self.named else 0.0


def evaluate(cases: list[Case], kind: str, *, rank: Callable[[list[str], str], list[list[str]]], top: int) -> Result:
    """`rank(texts, kind)`: for each text, the codes closest first (`semantic.rank` without the scores)."""
    ranked = rank([case.text for case in cases], kind)
    rows = [(case, codes[:top]) for case, codes in zip(cases, ranked, strict=True)]
    return Result(
        kind=kind,
        top=top,
        practices=len(cases),
        hits=sum(1 for case, codes in rows if set(case.named) & set(codes)),
        named=sum(len(case.named) for case in cases),
        found=sum(len(set(case.named) & set(codes)) for case, codes in rows),
        rows=rows,
    )


def chance(cases: list[Case], kind: str, *, top: int) -> tuple[float, float]:
    """(hit rate, recall) expected from `top` codes drawn at random: the baseline to beat."""
    total = CODES[kind]
    if not cases:
        return 0.0, 0.0
    hits = sum(1 - comb(total - len(case.named), top) / comb(total, top) for case in cases) / len(cases)
    return hits, top / total
