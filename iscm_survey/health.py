"""`/healthz`: is the database answering, and can a task reach the broker?

Meant for load balancers and the Docker health check, so it needs no login, does no more than a
`SELECT 1` and one bounded broker connection, and says only which part failed (the details go to
the log, not to an anonymous caller).

- 200 when the database answers: `status` is "ok", or "degraded" when the broker is down (pages
  still work; tasks wait for the periodic sweep).
- 503 when the database does not answer: nothing useful can be served.
"""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("iscm.health")

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.error("health check: database unreachable", extra={"error": repr(exc)})
        return f"error: {type(exc).__name__}"
    return "ok"


def check_broker() -> str:
    """'eager' without a broker (tasks run in-process), else 'ok' or 'error'."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    broker_url = settings.CELERY_BROKER_URL
    from iscm_survey.celery import app as celery_app

    try:
        # One retry at most, no back-off sleep, bounded in total: a dead broker must not hang the probe.
        with celery_app.connection_for_write(broker_url) as conn:
            conn.ensure_connection(
                max_retries=1,
                interval_start=0,
                interval_step=0.5,
                interval_max=1,
                timeout=BROKER_TIMEOUT_SECONDS,
            )
    except Exception as exc:
        logger.error("health check: broker unreachable", extra={"error": repr(exc)})
        return "error"
    return "ok"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = check_database()
    broker = check_broker()
    database_ok = database == "ok"
    status = "ok" if database_ok and broker in {"ok", "eager"} else "degraded"
    return JsonResponse(
        {"status": status, "database": database, "broker": broker},
        status=200 if database_ok else 503,
    )
