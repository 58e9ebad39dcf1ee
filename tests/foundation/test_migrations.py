"""Every model change has its migration: a clean clone migrates to exactly the models in the code."""

import io

from django.core.management import call_command


def test_no_model_change_lacks_a_migration(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits non-zero on missing ones
    assert "No changes detected" in out.getvalue()
