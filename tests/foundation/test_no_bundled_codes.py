"""Dashboards and the report know no questionnaire by heart: `analytics/` and `templates/analytics/` name
no question code and no slug of the bundled questionnaires (their presentation lives in their JSON
definitions as hints, read through questionnaires.schema)."""

from __future__ import annotations

import re
from pathlib import Path

from questionnaires.definitions import DATA_DIR, definition_read

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = [ROOT / "analytics", ROOT / "templates" / "analytics"]


def _bundled_names() -> set[str]:
    names = set()
    for path in DATA_DIR.glob("questionnaire_*.json"):
        definition = definition_read(path)
        names.add(definition["slug"])
        names.update(question["code"] for section in definition["sections"] for question in section["questions"])
    return names


def test_analytics_names_no_code_or_slug_of_a_bundled_questionnaire():
    names = _bundled_names()
    assert {"iscm-contributions", "gcm_review_plan"} <= names  # the 2023 questionnaire is among them
    # a whole name: "iscm-contributions-2023" (a campaign's slug in a help text) is not the questionnaire's
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(1)}"
        for folder in SEARCHED
        for path in sorted(folder.rglob("*"))
        if path.suffix in {".py", ".html", ".txt", ".js"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in pattern.finditer(line)
    ]
    assert found == []
