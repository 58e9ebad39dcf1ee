"""/healthz: what a load balancer and the compose health check see."""

import time

import pytest
from django.db import OperationalError

from iscm_survey import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_and_the_broker(client, settings):
    response = client.get("/healthz")  # plain http: exempt from the HTTPS redirect

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        # CI has a real Redis: the check connects to it.
        "broker": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "ok",
    }


def test_without_a_broker_tasks_are_eager(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_an_unreachable_broker_degrades_quickly_without_failing_the_probe(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    started = time.monotonic()
    response = client.get("/healthz")

    assert time.monotonic() - started < health.BROKER_TIMEOUT_SECONDS + 3
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "error"}


class _DeadConnection:
    def cursor(self):
        raise OperationalError("connection to server at db:5432 refused")


def test_an_unreachable_database_answers_503_without_details(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(health, "connection", _DeadConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "error: OperationalError", "broker": "eager"}
    assert b"5432" not in response.content


def test_healthz_only_answers_reads(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
