"""The settings module, as CI and production see it."""

import json
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


def settings_read(names: list[str], **env: str) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    environment = production_env(**env)
    if "CACHE_URL" not in env:
        environment.pop("CACHE_URL", None)  # one exported in the shell running the tests
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_cache_url_each_process_has_its_own_cache_and_sessions_stay_in_the_database():
    values = settings_read(["CACHES", "SESSION_ENGINE"])
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    # a per-process copy of the session would go stale when another gunicorn worker changes it
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_with_cache_url_redis_is_shared_and_holds_the_sessions():
    values = settings_read(["CACHES", "SESSION_ENGINE"], CACHE_URL="redis://redis:6379/1")
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://redis:6379/1"
    assert cache["OPTIONS"]["socket_timeout"] <= 1 and cache["OPTIONS"]["socket_connect_timeout"] <= 1
    assert values["SESSION_ENGINE"] == "iscm_survey.sessions"
