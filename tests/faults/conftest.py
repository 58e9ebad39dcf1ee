"""Fixtures of the fault tests: services of their own to stop, kill and restart, on loopback.

The suite's PostgreSQL (5432) and Redis (6379) are never stopped: a test that needs to break a
service gets a dedicated one on a free port (a `redis-server` subprocess, a PostgreSQL cluster made
with `initdb` in a temporary folder), torn down in finalisers even when the test fails. Celery
workers are real `celery worker` subprocesses against the dedicated Redis and the suite's test
database. Every wait is bounded (`WAIT_SECONDS`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

import analytics.services
from analytics.models import ChoiceAggregate
from analytics.selectors import choice_counts_live
from iscm_survey.celery import app as celery_app
from questionnaires.models import AnswerChoice, Campaign, Question, Questionnaire, Response
from questionnaires.services import response_save_draft, response_submit
from tests import factories

WAIT_SECONDS = 30
STRICT = os.environ.get("CI") == "true"  # in CI a missing binary is an error, not a skip


def missing(what: str) -> None:
    """Skip (on a developer machine) or fail (in CI) when a binary the test needs is not installed."""
    if STRICT:
        pytest.fail(f"{what} is needed by the fault tests in CI")
    pytest.skip(f"{what} is not installed")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], Any],
    *,
    what: str,
    timeout: float = WAIT_SECONDS,
    interval: float = 0.1,
    context: Callable[[], str] | None = None,
):
    """Poll `predicate` until it returns something truthy (returned), or fail after `timeout` seconds
    (with `context()`, e.g. a worker's log, in the message)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n{context()}" if context else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a subprocess started with start_new_session=True and everything it forked."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


# --- Redis -----------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, no persistence: start, stop (SIGKILL), pause (SIGSTOP), resume."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self.ping, what=f"redis-server on port {self.port}", timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            _kill_group(self.process)
            self.process = None

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def ping(self) -> bool:
        try:
            return self.client().ping()
        except Exception:
            return False

    def client(self, db: int = 0):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=2, socket_connect_timeout=2)


@pytest.fixture(scope="session")
def fault_redis() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        missing("redis-server")
    workdir = Path(tempfile.mkdtemp(prefix="iscm-faults-redis-"))
    server = RedisServer(workdir)
    try:
        server.start()
        yield server
    finally:
        if server.process is not None:
            with contextlib.suppress(ProcessLookupError):
                server.resume()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _celery_pools_reset() -> None:
    """Close the pooled broker connections, so the next publish connects to `broker_url` anew."""
    kombu.pools.reset()  # kombu keeps one pool per broker URL, process-wide
    celery_app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        celery_app.__dict__["amqp"]._producer_pool = None


@pytest.fixture
def celery_broker(fault_redis: RedisServer, monkeypatch) -> Iterator[RedisServer]:
    """Point the project's Celery app at the dedicated Redis (running, empty), publishing for real."""
    fault_redis.start()
    fault_redis.client().flushall()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    _celery_pools_reset()
    # Celery reads the CELERY_BROKER_URL environment variable before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", fault_redis.url())
    celery_app.conf.update(broker_url=fault_redis.url(), task_always_eager=False)
    assert celery_app.connection_for_write().as_uri().endswith(f":{fault_redis.port}/0")
    try:
        yield fault_redis
    finally:
        fault_redis.start()  # a test that stopped it leaves it stopped; the next one finds it running
        _celery_pools_reset()
        celery_app.conf.update(saved)


@pytest.fixture(autouse=True)
def _fault_tests_never_publish_to_the_suite_broker(request):
    """A service test that publishes tasks does so to the dedicated Redis, never to the suite's."""
    if "services" in request.keywords:
        request.getfixturevalue("celery_broker")


# --- PostgreSQL ------------------------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresCluster:
    """A throw-away PostgreSQL cluster (initdb in a temporary folder) on a free loopback port."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="iscm-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*self.as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
             "-o", options, "-w", "-t", str(WAIT_SECONDS), *args],
            check=True, capture_output=True, timeout=WAIT_SECONDS + 5,
        )

    def initdb(self) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=60,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def start_if_stopped(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            self.start()

    def log(self) -> str:
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def fault_postgres() -> Iterator[PostgresCluster]:
    bindir = _pg_bindir()
    if bindir is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl)")
    cluster = PostgresCluster(bindir)
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


# --- The suite's test database, seen from other processes ------------------------------------------


def database_url() -> str:
    """DATABASE_URL of the database this test uses (pytest-django's test_ database), for subprocesses."""
    db = connection.settings_dict
    assert db["ENGINE"].endswith("postgresql"), "the fault tests run on PostgreSQL"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def pg_connect():
    """A psycopg2 connection of the test's own to the test database, outside Django."""
    import psycopg2

    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
    )


@contextlib.contextmanager
def row_locked(model, pk: int) -> Iterator[None]:
    """Hold `SELECT ... FOR UPDATE` on one row from another connection: whoever locks it waits for us."""
    lock = pg_connect()
    try:
        with lock.cursor() as cursor:
            cursor.execute(f'SELECT id FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk])  # noqa: S608
            assert cursor.fetchone(), "no row to lock"
        yield
    finally:
        lock.rollback()
        lock.close()


def lock_waiters(query_like: str) -> list[int]:
    """Backends of the test database waiting for a lock, running a query like `query_like`."""
    monitor = pg_connect()
    try:
        monitor.autocommit = True
        with monitor.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE %s ORDER BY backend_start",
                [query_like],
            )
            return [row[0] for row in cursor.fetchall()]
    finally:
        monitor.close()


# pg_stat_activity keeps the first 1 kB of a query: the FOR ... UPDATE clause of these is cut off.
RECOMPUTE_LOCK_QUERY = 'SELECT "questionnaires_campaign"."id"%'  # aggregates_recompute's first query
RESPONSE_LOCK_QUERY = 'SELECT "questionnaires_response"."id"%'  # the response writes' first query


# --- Celery workers --------------------------------------------------------------------------------


class Worker:
    """`celery -A tests.faults.worker_app worker --pool prefork` against the dedicated Redis and the
    test database: the real tasks and settings, in a process group of its own."""

    def __init__(
        self, *, broker_url: str, log_path: Path, concurrency: int = 1, visibility_timeout: float | None = None
    ):
        self.log_path = log_path
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "iscm_survey.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
        }
        env.pop("FAULTS_VISIBILITY_TIMEOUT", None)
        if visibility_timeout is not None:
            env["FAULTS_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "tests.faults.worker_app", "worker",
                    "--pool", "prefork", "--concurrency", str(concurrency), "-n", f"faults-{log_path.stem}@%h",
                    "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._ready, what=f"the Celery worker to start (log: {log_path})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log()}")
        return " ready." in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_children(self) -> list[int]:
        """SIGKILL the pool processes (the main process lives on and notices their loss)."""
        killed = self.children()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        return killed

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool at once: nothing can tidy up."""
        _kill_group(self.process)


@pytest.fixture
def celery_workers(tmp_path, celery_broker: RedisServer, transactional_db) -> Iterator[Callable[..., Worker]]:
    """Start real workers with `celery_workers(concurrency=1, visibility_timeout=None)`; all killed at the end
    (before the test database is flushed)."""
    started: list[Worker] = []

    def start(**kwargs) -> Worker:
        worker = Worker(broker_url=celery_broker.url(), log_path=tmp_path / f"worker{len(started) + 1}.log", **kwargs)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()


# --- A small survey and its figures ----------------------------------------------------------------


class Survey:
    """A campaign of three questions: `multi` (a-d, multiple choice, required), `single` (yes/no,
    required) and `note` (long text). `submit` goes through the real service."""

    def __init__(self):
        questionnaire = factories.QuestionnaireFactory()
        section = factories.SectionFactory(questionnaire=questionnaire, position=1)
        self.multi = factories.QuestionFactory(
            section=section, code="multi", type=Question.Type.MULTIPLE_CHOICE, position=1, required=True
        )
        factories.choices_create(self.multi, ["a", "b", "c", "d"])
        self.single = factories.QuestionFactory(
            section=section, code="single", type=Question.Type.SINGLE_CHOICE, position=2, required=True
        )
        factories.choices_create(self.single, ["yes", "no"])
        self.note = factories.QuestionFactory(section=section, code="note", type=Question.Type.LONG_TEXT, position=3)
        Questionnaire.objects.filter(pk=questionnaire.pk).update(status=Questionnaire.Status.PUBLISHED)
        self.campaign = factories.CampaignFactory(questionnaire=questionnaire)
        self._n = 0

    def response(self) -> Response:
        self._n += 1
        iscm = factories.IscmFactory(acronym=f"F{self.campaign.pk}X{self._n:03d}")
        factories.invite(self.campaign, iscm)
        return factories.ResponseFactory(campaign=self.campaign, iscm=iscm)

    def submit(self, answers: dict) -> Response:
        response = self.response()
        return response_submit(response=response, user=None, answers=answers, expected_version=None).response


ANSWER_SETS = [
    {"multi": ["a", "b"], "single": "yes", "note": "First"},
    {"multi": ["a"], "single": "no", "note": "<script>alert(1)</script>"},
    {"multi": ["a", "c", "d"], "single": "yes"},
    {"multi": ["b", "c"], "single": "yes", "note": "مرحبا"},
    {"multi": ["a", "b", "c", "d"], "single": "no"},
]


@contextlib.contextmanager
def enqueue_disabled(monkeypatch) -> Iterator[list[int]]:
    """Submissions mark the campaign stale but publish nothing: the test publishes what it wants."""
    published: list[int] = []
    with monkeypatch.context() as patch:
        patch.setattr(
            analytics.services, "aggregates_enqueue", lambda *, campaign_id, **_: published.append(campaign_id)
        )
        yield published


def stale_survey(monkeypatch, answer_sets=ANSWER_SETS) -> Survey:
    """A committed survey with submitted responses and a draft, stale, with no task published."""
    with enqueue_disabled(monkeypatch):
        survey = Survey()
        for answers in answer_sets:
            survey.submit(answers)
        draft = survey.response()
        response_save_draft(response=draft, user=None, answers={"multi": ["d"]}, expected_version=None)
    assert survey.campaign.stats.is_stale
    return survey


def stored_aggregates(campaign: Campaign) -> list[tuple[int, ...]]:
    return sorted(
        ChoiceAggregate.objects.filter(campaign=campaign).values_list(
            "question_id", "choice_id", "count", "base", "selections", "rank"
        )
    )


def fresh_aggregates(campaign: Campaign) -> list[tuple[int, ...]]:
    """What a recompute started now would store (the same SQL, run live, nothing written)."""
    return sorted(
        (row["question_id"], row["choice_id"], row["count"], row["base"], row["selections"], row["rank"])
        for row in choice_counts_live(campaign)
    )


def selected_counts(campaign: Campaign) -> dict[tuple[int, int], int]:
    """Independent of the recompute SQL: choices selected by responded responses, counted by the ORM."""
    return {
        (row["question_id"], row["choice_id"]): row["n"]
        for row in AnswerChoice.objects.filter(response__campaign=campaign, response__status__in=Response.RESPONDED)
        .values("question_id", "choice_id")
        .annotate(n=Count("id"))
    }


def assert_aggregates_correct(campaign: Campaign) -> None:
    stored = stored_aggregates(campaign)
    assert stored, "no aggregates stored"
    assert stored == fresh_aggregates(campaign)
    counts = selected_counts(campaign)
    assert {(q, c): n for q, c, n, *_rest in stored if n} == counts
    campaign.stats.refresh_from_db()
    assert not campaign.stats.is_stale
    assert campaign.stats.responded == Response.objects.filter(
        campaign=campaign, status__in=Response.RESPONDED
    ).count()
