"""The direction of dependencies: `questionnaires` (the lower app) never imports `analytics`; writes
announce `answers_changed` and analytics subscribes (see docs/architecture.md)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


# The Excel workbook (issue of the xlsx export, merged while this rule was being set up) still writes
# its aggregates sheet with the analytics selectors: the one known exception, to be moved out.
KNOWN_EXCEPTIONS = {"questionnaires/xlsx_io.py"}


def test_questionnaires_never_imports_analytics():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "analytics")
        for path in (ROOT / "questionnaires").rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules and path not in KNOWN_EXCEPTIONS} == {}


def test_analytics_subscribes_to_answers_changed():
    from questionnaires.signals import answers_changed

    assert answers_changed.has_listeners()
