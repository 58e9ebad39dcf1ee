"""Compile the translation catalogues (locale/<lang>/LC_MESSAGES/*.po → .mo) in pure Python.

Django's `compilemessages` runs GNU gettext's `msgfmt`, a system package a fresh machine may lack: `make run`
then served English only. polib writes the same .mo files (fuzzy and untranslated entries left out, as
msgfmt does), so the four languages work on any machine. The .po files stay the source; `.mo` files are
not committed. A catalogue is rewritten only when its .po is newer than its .mo (or with --force).
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues(locale_dirs: list[Path]) -> list[Path]:
    return sorted(po for directory in locale_dirs for po in directory.glob("*/LC_MESSAGES/*.po"))


def catalogue_compile(po_path: Path, *, force: bool = False) -> bool:
    """Write the .mo beside `po_path`; False when it was already up to date."""
    mo_path = po_path.with_suffix(".mo")
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return False
    catalogue = polib.pofile(str(po_path))
    temporary = mo_path.with_suffix(".mo.tmp")
    catalogue.save_as_mofile(str(temporary))
    temporary.replace(mo_path)  # a running server never reads a half-written file
    return True


class Command(BaseCommand):
    help = "Compile the .po translation catalogues to .mo files without GNU gettext (pure Python, polib)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rewrite every .mo, even when up to date.")

    def handle(self, *args, force: bool = False, **options):
        found = catalogues([Path(path) for path in settings.LOCALE_PATHS])
        if not found:
            raise CommandError(f"No .po catalogue under {', '.join(map(str, settings.LOCALE_PATHS))}.")
        compiled = [po for po in found if catalogue_compile(po, force=force)]
        for po in compiled:
            self.stdout.write(f"compiled {po.relative_to(settings.BASE_DIR)}")
        self.stdout.write(f"{len(compiled)} of {len(found)} catalogues compiled, the others were up to date.")
