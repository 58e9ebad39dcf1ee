"""The settings module, as CI and production see it."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only CI promises PostgreSQL")
def test_ci_runs_on_postgresql():
    assert connection.vendor == "postgresql", (
        f"CI=true but the database is {connection.vendor}: .ci/run exports DATABASE_URL for PostgreSQL"
    )


def production_env(**extra: str) -> dict[str, str]:
    """The current environment less every DJANGO_* override, plus a production configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") or key == "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        DJANGO_ALLOWED_HOSTS="survey.example.org",
        **extra,
    )
    return env


def test_deploy_checks_pass_with_a_production_environment():
    env = production_env()
    assert len(env["DJANGO_SECRET_KEY"]) == 60
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"manage.py check --deploy failed:\n{result.stdout}\n{result.stderr}"
