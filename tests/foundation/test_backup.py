"""scripts/backup.sh and scripts/restore.sh round trips, on SQLite and (in CI) on PostgreSQL."""

import os
import sqlite3
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

SCRIPTS = settings.BASE_DIR / "scripts"


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run([str(SCRIPTS / script)], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result


def written_file(result: subprocess.CompletedProcess) -> str:
    line = next(line for line in result.stdout.splitlines() if line.startswith("Backup written to "))
    return line.removeprefix("Backup written to ").rsplit(" (", 1)[0]


def script_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "BACKUP"}}
    env.update(PYTHON=sys.executable, BACKUP_DIR=str(tmp_path / "backups"), **extra)
    return env


def test_sqlite_round_trip(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    database = var / "db.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE answer (value TEXT)")
        connection.execute("INSERT INTO answer VALUES ('before')")
    env = script_env(tmp_path, ISCM_VAR_DIR=str(var))

    backup = written_file(run("backup.sh", env))
    assert backup.startswith(str(tmp_path / "backups" / "iscm-")) and backup.endswith(".sqlite3")

    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE answer SET value = 'after'")
    refused = subprocess.run(
        [str(SCRIPTS / "restore.sh")],
        env={**env, "BACKUP": backup},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0, "restore without a terminal and without ASSUME_YES must refuse"

    run("restore.sh", {**env, "BACKUP": backup, "ASSUME_YES": "1"})
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT value FROM answer").fetchall() == [("before",)]


@pytest.mark.services
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs a PostgreSQL DATABASE_URL"
)
def test_postgresql_round_trip(tmp_path):
    import psycopg2

    server = urlsplit(os.environ["DATABASE_URL"])
    name = f"iscm_backup_test_{uuid.uuid4().hex[:8]}"
    url = urlunsplit(server._replace(path=f"/{name}"))
    admin = psycopg2.connect(os.environ["DATABASE_URL"])
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE answer (value text); INSERT INTO answer VALUES ('before')")
        connection.close()
        env = script_env(tmp_path, DATABASE_URL=url)

        backup = written_file(run("backup.sh", env))
        assert backup.endswith(".dump")

        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("UPDATE answer SET value = 'after'")
        connection.close()

        run("restore.sh", {**env, "BACKUP": backup, "ASSUME_YES": "1"})
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT value FROM answer")
            assert cursor.fetchall() == [("before",)]
        connection.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
