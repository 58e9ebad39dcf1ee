"""The committed catalogues are complete: `makemessages` leaves no untranslated or fuzzy entry (CI check).

`makemessages` runs on a copy of the source tree (so the working tree is never rewritten), with the
options the catalogues are maintained with (see README, "Translations"). Every string marked for
translation in a template or a Python file must then have its French, Spanish and Arabic translation,
every plural form filled in, and no entry left fuzzy (msgmerge's guess for a new or changed string).

Needs GNU gettext (`xgettext`, `msgmerge`, `msgfmt`): without it the test skips on a developer's
machine, and fails in CI (CI=true), where `.ci/run` installs it.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

LANGUAGES = ("fr", "es", "ar")
ROOT = Path(settings.BASE_DIR)
# As the README says: the directories makemessages must not walk into.
IGNORED = (".venv", "var", "node_modules", "static", "benchmarks")
NOT_COPIED = {*IGNORED, ".git", ".pytest_cache", ".ruff_cache", "__pycache__", "htmlcov", "test-results"}
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5;",
}
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msgfmt")


def _gettext_or_skip() -> None:
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"GNU gettext is not installed ({', '.join(missing)} missing): apt-get install gettext"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " — CI must check the catalogues")
    pytest.skip(message)


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags": {...}, "msgid": ..., "msgstr" / "msgstr[0]"...: ...}.

    A small reader of what msgmerge writes (obsolete `#~` entries are left out), so the check needs
    nothing beyond gettext itself.
    """
    entries: list[dict] = []
    entry: dict | None = None
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if line.startswith("#~"):
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def header(entries: list[dict]) -> dict[str, str]:
    (first,) = [entry for entry in entries if entry.get("msgid") == "" and "msgctxt" not in entry]
    lines = [line.partition(":") for line in first["msgstr"].splitlines()]
    return {name.strip(): value.strip() for name, _colon, value in lines}


def problems(entries: list[dict], nplurals: int) -> list[str]:
    found = []
    for entry in entries:
        msgid = entry.get("msgid", "")
        if msgid == "" and "msgctxt" not in entry:
            if "fuzzy" in entry["flags"]:
                found.append("the header is fuzzy")
            continue
        if "fuzzy" in entry["flags"]:
            found.append(f"fuzzy: {msgid!r}")
        if "msgid_plural" in entry:
            empty = [i for i in range(nplurals) if not entry.get(f"msgstr[{i}]")]
            if empty:
                found.append(f"plural forms {empty} missing: {msgid!r}")
        elif not entry.get("msgstr"):
            found.append(f"untranslated: {msgid!r}")
    return found


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A copy of the tree after `makemessages -l fr -l es -l ar --no-obsolete`: the catalogues as the
    current source makes them."""
    _gettext_or_skip()
    copy = tmp_path_factory.mktemp("catalogues") / "tree"
    shutil.copytree(ROOT, copy, ignore=lambda _directory, names: [n for n in names if n in NOT_COPIED])
    command = [sys.executable, "manage.py", "makemessages", *(f"-l{lang}" for lang in LANGUAGES), "--no-obsolete"]
    command += [f"--ignore={pattern}" for pattern in IGNORED]
    env = {**os.environ, "ISCM_VAR_DIR": str(copy / "var")}
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return copy / "locale"


def test_the_committed_catalogues_exist_with_their_plural_rules():
    for lang in LANGUAGES:
        path = ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"
        assert path.exists(), f"{path} is missing"
        meta = header(po_entries(path))
        assert meta["Language"] == lang
        assert meta["Plural-Forms"] == PLURAL_FORMS[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_makemessages_leaves_no_untranslated_or_fuzzy_entry(regenerated, lang):
    entries = po_entries(regenerated / lang / "LC_MESSAGES" / "django.po")
    nplurals = int(re.search(r"nplurals=(\d+)", header(entries)["Plural-Forms"]).group(1))
    assert nplurals == {"ar": 6}.get(lang, 2)
    found = problems(entries, nplurals)
    assert not found, (
        f"{len(found)} entries of locale/{lang} need a translation (run the makemessages command of the "
        "README, translate, then `make compilemessages`):\n" + "\n".join(found[:40])
    )
    assert len(entries) > 500  # the whole interface, not an empty catalogue


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogues_compile_with_matching_placeholders(regenerated, lang):
    """msgfmt --check: every %(name)s of the English text is in the translation, the header is valid."""
    _gettext_or_skip()
    po = regenerated / lang / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-domain", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_reader_sees_fuzzy_and_missing_plural_forms(tmp_path):
    """The check itself: a fuzzy entry, an empty msgstr and a missing Arabic plural form are caught."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=6; plural=n==0 ? 0 : 5;\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "Ready."\nmsgstr "Prêt"\n\n'
        'msgid "Save draft"\nmsgstr ""\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\n'
        + "".join(f'msgstr[{i}] "{"" if i == 3 else "يوم"}"\n' for i in range(6))
        + '\n#~ msgid "Gone"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    assert problems(po_entries(po), 6) == [
        "fuzzy: 'Ready.'",
        "untranslated: 'Save draft'",
        "plural forms [3] missing: '%(n)s day'",
    ]
