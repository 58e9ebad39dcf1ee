"""PostgreSQL restarts while the application runs (issue 9, "Faults").

The application runs as in production, in gunicorn (one sync worker: every request goes through the
same persistent database connection, DATABASE_CONN_MAX_AGE), against a dedicated PostgreSQL cluster
that the test restarts. Requests may fail while the database is down, with a 503 from /healthz,
never a 500 or a hang; once it is back, the very first request succeeds: Django's CONN_HEALTH_CHECKS
notices the dead connection and opens a new one, without restarting the application.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from .conftest import PostgresCluster, _kill_group, free_port, wait_until

pytestmark = pytest.mark.services

REQUEST_TIMEOUT = 5


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as reply:  # noqa: S310 - our loopback URL
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if body.startswith(b"{") else {"body": body[:200].decode(errors="replace")}


@pytest.fixture
def app_on_dedicated_postgres(fault_postgres: PostgresCluster, tmp_path):
    """gunicorn serving the project with DATABASE_URL on the dedicated cluster; yields its /healthz URL."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iscm_survey.settings",
        "DATABASE_URL": fault_postgres.url(),
        "DATABASE_CONN_MAX_AGE": "600",  # the connection outlives the restart: the case to survive
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    env.pop("CELERY_BROKER_URL", None)  # /healthz then reports the broker as "eager"
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "iscm_survey.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "30"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/healthz"

    def answers() -> bool:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            return _get(url)[0] == 200
        except OSError:
            return False

    try:
        wait_until(answers, what="gunicorn to serve /healthz", interval=0.2)
        yield url
    finally:
        _kill_group(server)
        fault_postgres.start_if_stopped()


def test_the_app_recovers_from_a_postgresql_restart_without_a_restart_of_its_own(
    app_on_dedicated_postgres, fault_postgres
):
    url = app_on_dedicated_postgres
    assert _get(url) == (200, {"status": "ok", "database": "ok", "broker": "eager"})

    # 1. Restart while idle: the persistent connection is dead; the next request must not notice.
    fault_postgres.restart()
    assert _get(url) == (200, {"status": "ok", "database": "ok", "broker": "eager"})

    # 2. Restart under traffic: failures only while PostgreSQL is down, and only clean 503s.
    seen: list[tuple[float, int | str]] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = _get(url)[0]
            except OSError as error:
                status = type(error).__name__
            seen.append((started, status))
            time.sleep(0.05)

    poller = threading.Thread(target=traffic, daemon=True)
    poller.start()
    try:
        time.sleep(0.5)
        down_from = time.monotonic()
        fault_postgres.stop()
        time.sleep(1.0)  # a second without a database
        fault_postgres.start()
        back_at = time.monotonic()
        time.sleep(1.0)
    finally:
        stop.set()
        poller.join(REQUEST_TIMEOUT + 1)

    before = [status for started, status in seen if started < down_from]
    during = [status for started, status in seen if down_from <= started < back_at]
    after = [status for started, status in seen if started >= back_at]
    assert before and set(before) == {200}, seen
    assert during and set(during) <= {200, 503}, f"only clean 503s while the database is down: {seen}"
    assert 503 in during, "the health check did notice the database was down"
    assert after and set(after) == {200}, f"every request succeeds once PostgreSQL is back: {seen}"
