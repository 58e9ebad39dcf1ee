"""`make backup` / `make restore` bring every answer back (issue 9, "Data safety").

A database of its own is filled by the real commands (migrate, load_demo: the 2023 survey with its
responses), backed up with `make backup`, wiped (the PostgreSQL database dropped and created empty;
the SQLite file deleted), restored with `make restore`, and every answer, choice and response
status is compared with what was there before. The suite's own database is not touched.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .conftest import missing

COMMAND_TIMEOUT = 120

# Natural keys, so that the comparison means "the same answers", whatever the row ids.
ANSWERS_SQL = """
SELECT c.slug, i.acronym, q.code, a.text, CAST(a.number AS TEXT), CAST(a.date AS TEXT)
FROM questionnaires_answer a
JOIN questionnaires_response r ON r.id = a.response_id
JOIN questionnaires_campaign c ON c.id = r.campaign_id
JOIN questionnaires_iscm i ON i.id = r.iscm_id
JOIN questionnaires_question q ON q.id = a.question_id
ORDER BY 1, 2, 3
"""
CHOICES_SQL = """
SELECT c.slug, i.acronym, q.code, ch.code
FROM questionnaires_answerchoice ac
JOIN questionnaires_response r ON r.id = ac.response_id
JOIN questionnaires_campaign c ON c.id = r.campaign_id
JOIN questionnaires_iscm i ON i.id = r.iscm_id
JOIN questionnaires_question q ON q.id = ac.question_id
JOIN questionnaires_choice ch ON ch.id = ac.choice_id
ORDER BY 1, 2, 3, 4
"""
RESPONSES_SQL = """
SELECT c.slug, i.acronym, r.status, r.version, CAST(r.submitted_at AS TEXT)
FROM questionnaires_response r
JOIN questionnaires_campaign c ON c.id = r.campaign_id
JOIN questionnaires_iscm i ON i.id = r.iscm_id
ORDER BY 1, 2
"""

# migrate + load_demo in one process; demo accounts hashed with MD5, as in the test settings, for speed.
FILL_DATABASE = """
import os, django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0)
call_command("load_demo", stdout=open(os.devnull, "w"))
"""


def _env(**values: str | None) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iscm_survey.settings"}
    env.pop("CELERY_BROKER_URL", None)  # tasks of load_demo run in-process
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _fill(env: dict[str, str]) -> None:
    _run([sys.executable, "-c", FILL_DATABASE], env)


def _backup(env: dict[str, str], backup_dir: Path, suffix: str) -> Path:
    output = _run(["make", "--no-print-directory", "backup"], {**env, "BACKUP_DIR": str(backup_dir)})
    match = re.search(r"Backup written to (\S+)", output)
    assert match, output
    path = Path(match.group(1))
    assert path.parent == backup_dir and path.name.endswith(suffix) and path.stat().st_size > 0
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, "a backup holds unpublished answers: owner only"
    return path


def _restore(env: dict[str, str], backup: Path) -> None:
    _run(["make", "--no-print-directory", "restore", f"BACKUP={backup}"], {**env, "ASSUME_YES": "1"})


def _snapshot(cursor) -> dict[str, list[tuple]]:
    snapshot = {}
    for name, sql in (("answers", ANSWERS_SQL), ("choices", CHOICES_SQL), ("responses", RESPONSES_SQL)):
        cursor.execute(sql)
        snapshot[name] = [tuple(row) for row in cursor.fetchall()]
    return snapshot


def _assert_has_responses(snapshot: dict[str, list[tuple]]) -> None:
    assert len(snapshot["responses"]) > 10
    assert len(snapshot["answers"]) > 50
    assert len(snapshot["choices"]) > 100
    assert any(status == "submitted" for _slug, _acronym, status, *_rest in snapshot["responses"])


@pytest.fixture
def make_available():
    if shutil.which("make") is None:
        missing("make")


# --- PostgreSQL: pg_dump / pg_restore --------------------------------------------------------------


@pytest.mark.services
def test_postgresql_backup_wipe_restore_finds_every_answer(make_available, tmp_path):
    import psycopg2

    db = connection.settings_dict  # only for where the suite's server is; its database is not used
    server = {"host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432), "user": db["USER"]}
    if not shutil.which("pg_dump"):
        missing("pg_dump")
    name = f"iscm_backup_test_{secrets.token_hex(4)}"
    client = ["-h", server["host"], "-p", server["port"], "-U", server["user"]]
    url = f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}"
    env = _env(DATABASE_URL=url, PGPASSWORD=db["PASSWORD"] or None)

    def snapshot() -> dict[str, list[tuple]]:
        conn = psycopg2.connect(dbname=name, password=db["PASSWORD"] or None, **server)
        try:
            with conn.cursor() as cursor:
                return _snapshot(cursor)
        finally:
            conn.close()

    _run(["createdb", *client, name], env)
    try:
        _fill(env)
        before = snapshot()
        _assert_has_responses(before)

        backup = _backup(env, tmp_path / "backups", ".dump")

        _run(["dropdb", "--force", *client, name], env)  # lost: not even the schema is left
        _run(["createdb", *client, name], env)

        _restore(env, backup)
        assert snapshot() == before
    finally:
        subprocess.run(["dropdb", "--force", "--if-exists", *client, name], env=env, capture_output=True, timeout=30)


# --- SQLite: online copy -----------------------------------------------------------------------------


def test_sqlite_backup_wipe_restore_finds_every_answer(make_available, tmp_path):
    var_dir = tmp_path / "var"
    env = _env(DATABASE_URL=None, ISCM_VAR_DIR=str(var_dir))
    database = var_dir / "db.sqlite3"

    def snapshot() -> dict[str, list[tuple]]:
        conn = sqlite3.connect(database)
        try:
            return _snapshot(conn.cursor())
        finally:
            conn.close()

    _fill(env)
    assert database.exists()
    before = snapshot()
    _assert_has_responses(before)

    backup = _backup(env, tmp_path / "backups", ".sqlite3")

    database.unlink()  # lost
    for leftover in var_dir.glob("db.sqlite3-*"):  # -wal, -shm, -journal
        leftover.unlink()

    _restore(env, backup)
    assert snapshot() == before
