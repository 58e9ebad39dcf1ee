"""Sessions read from the shared cache (CACHE_URL: Redis, iscm_survey/sessions.py): one query less per
page, the same behaviour for the user (pending answers, renewal, logout, deactivation), and pages that
keep working on the database while Redis is down.

The tests with a live Redis use database 14 of the suite's Redis (the host of CELERY_BROKER_URL, else
127.0.0.1:6379); without one they skip, except in CI. "Redis down" is a RedisCache on a closed port.
"""

from __future__ import annotations

import datetime
import logging
import os
from urllib.parse import urlsplit

import pytest
import redis
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.throttling import LOCAL_COUNTS
from iscm_survey import sessions
from questionnaires import services
from questionnaires.models import Response
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py
CACHED = "iscm_survey.sessions"
_broker = urlsplit(os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0")
REDIS_URL = f"redis://{_broker.hostname or '127.0.0.1'}:{_broker.port or 6379}/14"
DEAD_REDIS_URL = "redis://127.0.0.1:1/14"  # nothing listens on port 1: connection refused at once


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture(autouse=True)
def _fresh_health():
    sessions.health.reset()
    yield
    sessions.health.reset()


@pytest.fixture
def live_redis(settings):
    """The cached session engine on a live Redis (database 14, emptied before and after)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {REDIS_URL}: CI promises one")
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    settings.CACHES = redis_cache(REDIS_URL)
    settings.SESSION_ENGINE = CACHED
    yield client
    client.flushdb()


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = redis_cache(DEAD_REDIS_URL)
    settings.SESSION_ENGINE = CACHED


def cached_copy(client: redis.Redis, session_key: str) -> bool:
    return any(session_key.encode() in key for key in client.keys("*"))


def session_queries(queries) -> list[str]:
    return [query["sql"] for query in queries if "django_session" in query["sql"]]


def page_queries(client: Client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries), session_queries(queries.captured_queries)


def login(client: Client, username: str) -> None:
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302


def authenticated(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_a_signed_in_page_reads_its_session_from_redis_not_the_database(settings, focal_point, live_redis):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    by_db = Client()
    by_db.force_login(focal_point)
    by_db.get(reverse("home"))  # warm: the first page may renew the session
    db_count, db_session = page_queries(by_db)
    assert len(db_session) == 1

    settings.SESSION_ENGINE = CACHED
    by_cache = Client()
    by_cache.force_login(focal_point)
    by_cache.get(reverse("home"))
    cache_count, cache_session = page_queries(by_cache)
    assert cache_session == []
    assert cache_count == db_count - 1
    assert cached_copy(live_redis, by_cache.session.session_key)


def test_renewal_writes_both_at_most_once_a_minute(focal_point, live_redis):
    client = Client()
    login(client, focal_point.username)
    stored = Session.objects.get()
    # Redis forgets the copy when the database row expires (the idle timeout, not travelled in time here)
    (copy,) = live_redis.keys(f"*{stored.session_key}")
    assert settings.SESSION_COOKIE_AGE - 5 <= live_redis.ttl(copy) <= settings.SESSION_COOKIE_AGE
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start + datetime.timedelta(seconds=30)):
        assert page_queries(client)[1] == []  # neither read nor written
    with time_machine.travel(start + datetime.timedelta(seconds=settings.SESSION_RENEW_SECONDS + 5)):
        page = client.get(reverse("home"))
        assert int(page.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == settings.SESSION_COOKIE_AGE
        assert page_queries(client)[1] == []  # the renewed copy is the one read
    assert Session.objects.get().expire_date > stored.expire_date


def test_pending_answers_survive_submit_review_and_confirm(focal_point, iscm, other_iscm, live_redis):
    """A re-submission keeps its answers in the session between Submit and Confirm: each request may go
    to another gunicorn worker, which finds them in Redis."""
    survey = survey_create(iscms=[iscm, other_iscm])
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    response.refresh_from_db()
    kwargs = {"slug": survey.campaign.slug, "acronym": iscm.acronym}
    client = Client()
    login(client, focal_point.username)

    submit = client.post(
        reverse("questionnaires:respond", kwargs=kwargs),
        {**complete_answers(name="Ana M. Moreira"), "version": response.version, "action": "submit"},
    )
    assert submit.status_code == 302
    review = client.get(submit.url)
    assert "Ana M. Moreira" in review.content.decode()
    with CaptureQueriesContext(connection) as queries:
        done = client.post(submit.url, {"version": response.version})
    assert done.status_code == 302
    assert not any(sql.lstrip().upper().startswith("SELECT") for sql in session_queries(queries.captured_queries))
    assert Response.objects.get().version == response.version + 1
    assert "Ana M. Moreira" in client.get(done.url).content.decode()


def test_logout_and_deactivation_end_the_session_in_redis_too(focal_point, other_focal_point, live_redis):
    laptop, phone, other = Client(), Client(), Client()
    for client in (laptop, phone):
        login(client, focal_point.username)
    login(other, other_focal_point.username)
    keys = [client.cookies[settings.SESSION_COOKIE_NAME].value for client in (laptop, phone)]

    focal_point.is_active = False
    focal_point.save()
    assert not any(cached_copy(live_redis, key) for key in keys)
    focal_point.is_active = True  # re-activated: the old cookies still open nothing
    focal_point.save()
    assert not authenticated(laptop) and not authenticated(phone)

    key = other.cookies[settings.SESSION_COOKIE_NAME].value
    assert authenticated(other)
    other.post(reverse("logout"))
    assert not cached_copy(live_redis, key)


def test_pages_answer_while_redis_is_down_and_it_is_logged_once(focal_point, dead_redis, caplog):
    caplog.set_level(logging.INFO, logger="iscm.cache")
    client = Client()
    login(client, focal_point.username)
    for _ in range(3):
        assert authenticated(client)
    assert client.post(reverse("logout")).status_code == 302
    assert not authenticated(client)
    login(client, focal_point.username)
    assert authenticated(client)
    warnings = [record for record in caplog.records if getattr(record, "event", None) == "cache_unreachable"]
    assert len(warnings) == 1


def test_the_api_throttle_counts_in_memory_while_redis_is_down(settings, dead_redis, client, observer):
    settings.API_THROTTLE_RATE = "2/minute"
    LOCAL_COUNTS.clear()
    client.force_login(observer)
    answers = [client.get("/api/v1/campaigns/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_a_copy_left_in_redis_during_an_outage_is_dropped_when_it_is_back(settings, focal_point, live_redis):
    """Logged out while Redis was unreachable: the copy Redis still holds must not let the old cookie in
    once Redis answers again."""
    client = Client()
    login(client, focal_point.username)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    settings.CACHES = redis_cache(DEAD_REDIS_URL)
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()

    settings.CACHES = redis_cache(REDIS_URL)  # back, still holding the copy
    assert cached_copy(live_redis, key)
    sessions.health.retry_at = 0  # the retry delay has passed
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert not authenticated(replay)
    assert not cached_copy(live_redis, key)
