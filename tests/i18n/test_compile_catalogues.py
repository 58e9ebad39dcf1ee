"""A fresh machine without GNU gettext gets all four languages: `manage.py compile_catalogues` (what
`make run` and `make test` call) compiles the catalogues in pure Python, and `/` then answers in French
and Arabic. Where gettext is installed, the result is checked against msgfmt's."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import trans_real

LOCALE = Path(settings.BASE_DIR) / "locale"


def _compile_without_gettext() -> subprocess.CompletedProcess:
    # Only the virtualenv's bin directory on the PATH: no msgfmt, as on a machine without gettext.
    path = str(Path(sys.executable).parent)
    assert shutil.which("msgfmt", path=path) is None
    env = {**os.environ, "PATH": path, "DJANGO_SETTINGS_MODULE": "iscm_survey.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "compile_catalogues", "--force"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def compiled_without_gettext():
    result = _compile_without_gettext()
    assert result.returncode == 0, result.stdout + result.stderr
    # This process cached the catalogues it loaded before: read the new .mo files.
    trans_real._translations = {}
    trans_real._default = None
    yield result
    trans_real._translations = {}
    trans_real._default = None


def _translation(language: str, english: str) -> str:
    entry = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po")).find(english)
    assert entry is not None and entry.msgstr
    return entry.msgstr


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_home_page_answers_in_the_language_with_no_gettext_installed(compiled_without_gettext, client, db, language):
    assert "3 of 3 catalogues compiled" in compiled_without_gettext.stdout
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/", follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<html lang="{language}"' in html
    assert _translation(language, "Log in") in html
    assert ">Log in<" not in html


def test_compiled_catalogues_match_msgfmt(compiled_without_gettext, tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext's msgfmt is not installed: nothing to compare with")
    for language in ("fr", "es", "ar"):
        po = LOCALE / language / "LC_MESSAGES" / "django.po"
        reference = tmp_path / f"{language}.mo"
        subprocess.run(["msgfmt", "-o", str(reference), str(po)], check=True, timeout=60)
        with open(reference, "rb") as expected, open(po.with_suffix(".mo"), "rb") as ours:
            expected_catalogue = gettext.GNUTranslations(expected)
            our_catalogue = gettext.GNUTranslations(ours)
        # Same messages and same plural rule (headers differ only in the order of their fields).
        expected_messages = {key: value for key, value in expected_catalogue._catalog.items() if key != ""}
        our_messages = {key: value for key, value in our_catalogue._catalog.items() if key != ""}
        assert our_messages == expected_messages, language
        assert [our_catalogue.plural(n) for n in range(120)] == [expected_catalogue.plural(n) for n in range(120)]
