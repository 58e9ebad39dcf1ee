"""Measure 5: submissions under load on a real server.

gunicorn (as many workers as docker-compose.yml's WEB_CONCURRENCY default) on 127.0.0.1 and a free port,
with a real Celery worker (the compose file's concurrency) when CELERY_BROKER_URL is set, else tasks run
eagerly inside the web workers. Production settings (DEBUG off, PBKDF2 passwords, sessions saved on
every request, CSP, axes), except plain HTTP: no TLS redirect, no secure-only cookies.

1. The floor: N threads GET /healthz (one SELECT 1 and a broker ping) for the same duration.
2. N focal points of N different ISCMs (logged in beforehand) run the response workflow (loadclient).
3. Checks: every confirmed submission is in the database exactly as sent (status submitted, answers
   equal after the form's own normalisation); once the queue drains (bounded wait), the stored
   aggregates of every load campaign equal the same counting SQL run now.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections import defaultdict
from typing import Any

from django.db import close_old_connections

from analytics.models import CampaignStats, ChoiceAggregate
from analytics.selectors import choice_counts_live
from questionnaires.models import Campaign, Iscm, Response
from questionnaires.schema import questionnaire_schema
from questionnaires.selectors import response_answers
from questionnaires.validation import answers_validate

from .answers import AnswerMaker
from .common import ROOT, BenchContext, percentile, ratio
from .datagen import LOAD_PASSWORD, load_acronym, load_username
from .loadclient import FocalPoint, Sample, hammer, workflow

HOST = "127.0.0.1"
DRAIN_TIMEOUT_S = 120


def compose_setting(pattern: str, default: int) -> int:
    try:
        text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    except OSError:
        return default
    match = re.search(pattern, text)
    return int(match.group(1)) if match else default


def web_workers() -> int:
    return compose_setting(r"WEB_CONCURRENCY:-(\d+)", 3)


def worker_concurrency() -> int:
    return compose_setting(r'"worker".*?"--concurrency",\s*"(\d+)"', 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _bin(name: str) -> str:
    return str(ROOT / ".venv" / "bin" / name) if (ROOT / ".venv" / "bin" / name).exists() else name


class Servers:
    """gunicorn and (with a broker) a Celery worker, started and stopped by us (by their own pids)."""

    def __init__(self, ctx: BenchContext):
        self.ctx = ctx
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.logs = []

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.ctx.workdir / f"{name}.log").open("wb")
        self.logs.append(log)
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.ctx.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def __enter__(self) -> Servers:
        if self.ctx.broker:
            subprocess.run(
                [_bin("celery"), "-A", "iscm_survey", "purge", "-f"],
                cwd=ROOT,
                env=self.ctx.env,
                capture_output=True,
                check=False,
                timeout=60,
            )
            self._start(
                "celery",
                [
                    _bin("celery"), "-A", "iscm_survey", "worker", "-l", "info",
                    "--concurrency", str(worker_concurrency()), "-n", f"bench-{os.getpid()}@%h",
                ],
            )  # fmt: skip
        self._start(
            "gunicorn",
            [
                _bin("gunicorn"), "iscm_survey.wsgi:application", "--bind", f"{HOST}:{self.port}",
                "--workers", str(self.ctx.web_workers or web_workers()), "--access-logfile", "-",
            ],
        )  # fmt: skip
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{HOST}:{self.port}/healthz"
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a server exited early ({process.args[0]}), see {self.ctx.workdir}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
                    web_ok = response.status == 200
            except OSError:
                web_ok = False
            worker_ok = not self.ctx.broker or b" ready." in (self.ctx.workdir / "celery.log").read_bytes()
            if web_ok and worker_ok:
                return
            time.sleep(0.3)
        raise RuntimeError(f"servers not ready after {timeout} s, see {self.ctx.workdir}")

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


def latency_summary(samples: list[Sample]) -> dict[str, Any]:
    seconds = [sample.seconds for sample in samples if sample.status]
    return {
        "requests": len(samples),
        "errors": sum(1 for sample in samples if not sample.status or sample.status >= 400),
        "p50_ms": _ms(percentile(seconds, 0.50)),
        "p95_ms": _ms(percentile(seconds, 0.95)),
        "p99_ms": _ms(percentile(seconds, 0.99)),
        "max_ms": _ms(max(seconds) if seconds else None),
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _normalised(schema, answers: dict[str, object]) -> dict[str, object]:
    """What the database must hold for these answers: the one validation path's cleaned values."""
    result = answers_validate(questionnaire=None, answers=answers, final=True, schema=schema)
    if not result.is_valid:
        raise ValueError(f"the load client sent invalid answers: {result.errors}")
    return {code: schema.questions[code].plain_value(value) for code, value in result.cleaned.items()}


def check_answers(ctx: BenchContext, points: list[FocalPoint]) -> dict[str, Any]:
    """Each confirmed submission in the database as sent; lost = stored differs from every candidate."""
    close_old_connections()
    campaigns = {
        c.slug: c
        for c in Campaign.objects.filter(slug__startswith="bench-load-").select_related("questionnaire")
    }
    schema = questionnaire_schema(next(iter(campaigns.values())).questionnaire)
    iscms = {iscm.acronym: iscm for iscm in Iscm.objects.filter(acronym__startswith="LOAD-")}
    checked = lost = wrong_status = 0
    problems = []
    for point in points:
        for slug, answers in point.confirmed.items():
            checked += 1
            response = Response.objects.filter(campaign=campaigns[slug], iscm=iscms[point.acronym]).first()
            candidates = [_normalised(schema, answers)] + [
                _normalised(schema, a) for a in point.uncertain.get(slug, [])
            ]
            stored = response_answers(response, schema) if response else None
            if response is None or stored not in candidates:
                lost += 1
                problems.append(f"{point.acronym} {slug}: stored answers differ from the last submission")
            elif response.status != Response.Status.SUBMITTED:
                wrong_status += 1
                problems.append(f"{point.acronym} {slug}: status {response.status}")
    return {"checked": checked, "lost": lost, "wrong_status": wrong_status, "problems": problems[:20]}


def check_aggregates(ctx: BenchContext) -> dict[str, Any]:
    """Wait (bounded) for every load campaign to be fresh, then compare stored rows with a live count."""
    campaigns = list(Campaign.objects.filter(slug__startswith="bench-load-").select_related("questionnaire"))
    start = time.monotonic()
    while True:
        close_old_connections()
        stale = [
            c.slug
            for c in campaigns
            if (stats := CampaignStats.objects.filter(campaign=c).first()) is not None and stats.is_stale
        ]
        if not stale or time.monotonic() - start > DRAIN_TIMEOUT_S:
            break
        time.sleep(0.5)
    drained_s = time.monotonic() - start
    mismatched = []
    for campaign in campaigns:
        stats = CampaignStats.objects.filter(campaign=campaign).first()
        if stats is None:  # nobody submitted to this campaign
            continue
        stored = {
            (row["question_id"], row["choice_id"]): (
                row["count"],
                row["base"],
                row["selections"],
                row["rank"],
            )
            for row in ChoiceAggregate.objects.filter(campaign=campaign).values(
                "question_id", "choice_id", "count", "base", "selections", "rank"
            )
        }
        live = {
            (row["question_id"], row["choice_id"]): (
                row["count"],
                row["base"],
                row["selections"],
                row["rank"],
            )
            for row in choice_counts_live(campaign)
        }
        responded = Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED).count()
        if stored != live or stats.responded != responded:
            mismatched.append(campaign.slug)
    return {
        "drained": not stale,
        "still_stale": stale,
        "drain_wait_s": round(drained_s, 2),
        "mismatched_campaigns": mismatched,
        "equal": not stale and not mismatched,
    }


def measure(ctx: BenchContext) -> dict[str, Any]:
    maker = AnswerMaker.bundled()
    campaigns = [ctx.slugs[f"load:{index}"] for index in range(1, ctx.load_campaigns + 1)]
    results: dict[str, Any] = {
        "web_workers": ctx.web_workers or web_workers(),
        "celery": f"worker, concurrency {worker_concurrency()}" if ctx.broker else "eager (no broker)",
        "clients": ctx.load_clients,
        "seconds": ctx.load_seconds,
        "campaigns": len(campaigns),
    }
    with Servers(ctx) as servers:
        results["port"] = servers.port
        points = []
        for index in range(1, ctx.load_clients + 1):
            rotation = campaigns[index % len(campaigns) :] + campaigns[: index % len(campaigns)]
            points.append(
                FocalPoint(
                    HOST,
                    servers.port,
                    load_username(index),
                    LOAD_PASSWORD,
                    load_acronym(index),
                    rotation,
                    index,
                )
            )
        start = time.perf_counter()
        _in_parallel([point.login for point in points])
        results["login_s"] = round(time.perf_counter() - start, 2)
        ctx.log(f"  load: {len(points)} focal points logged in ({results['login_s']} s); floor /healthz ...")

        floor_samples, floor_elapsed = hammer(
            HOST, servers.port, "/healthz", clients=ctx.load_clients, seconds=ctx.load_seconds
        )
        floor = latency_summary(floor_samples)
        floor["throughput_rps"] = len(floor_samples) / floor_elapsed
        results["floor"] = floor
        ctx.log(
            f"  load: /healthz {floor['throughput_rps']:.1f} req/s, p50 {floor['p50_ms']} ms; workflow ..."
        )

        samples, elapsed = workflow(points, maker, seconds=ctx.load_seconds)
        flow = latency_summary(samples)
        flow["elapsed_s"] = round(elapsed, 2)
        flow["throughput_rps"] = len(samples) / elapsed
        flow["submissions"] = sum(point.submissions for point in points)
        flow["drafts"] = sum(point.drafts for point in points)
        flow["submissions_per_s"] = flow["submissions"] / elapsed
        rounds = [seconds for point in points for seconds in point.rounds]
        flow["round_p50_ms"] = _ms(percentile(rounds, 0.50))
        flow["round_p95_ms"] = _ms(percentile(rounds, 0.95))
        flow["flow_errors"] = sum(len(point.errors) for point in points)
        flow["error_examples"] = [error for point in points for error in point.errors][:10]
        by_kind: dict[str, list[Sample]] = defaultdict(list)
        for sample in samples:
            by_kind[sample.kind].append(sample)
        flow["by_kind"] = {kind: latency_summary(group) for kind, group in sorted(by_kind.items())}
        confirm = by_kind.get("confirm", [])
        flow["confirm_rps"] = len(confirm) / elapsed
        results["workflow"] = flow
        results["ratio_rps"] = ratio(flow["throughput_rps"], floor["throughput_rps"])
        ctx.log(
            f"  load: workflow {flow['throughput_rps']:.1f} req/s ({flow['submissions']} submissions, "
            f"{flow['submissions_per_s']:.2f}/s), p50 {flow['p50_ms']} ms p95 {flow['p95_ms']} ms "
            f"p99 {flow['p99_ms']} ms, {flow['errors']} HTTP errors, {flow['flow_errors']} flow errors; "
            f"submission round p50 {flow['round_p50_ms']} ms p95 {flow['round_p95_ms']} ms"
        )
        results["answers"] = check_answers(ctx, points)
        results["aggregates"] = check_aggregates(ctx)
        for point in points:
            point.browser.close()
    server_log = (ctx.workdir / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    results["server_tracebacks"] = server_log.count("Traceback")
    if ctx.broker:
        worker_log = (ctx.workdir / "celery.log").read_text(encoding="utf-8", errors="replace")
        results["worker_tracebacks"] = worker_log.count("Traceback")
        results["recomputes_run"] = worker_log.count("aggregates recomputed")
    ctx.log(
        f"  load: answers {results['answers']['checked']} checked, {results['answers']['lost']} lost; "
        f"aggregates {'equal' if results['aggregates']['equal'] else 'NOT equal'} "
        f"(drained in {results['aggregates']['drain_wait_s']} s)"
    )
    return results


def _in_parallel(calls) -> None:
    import threading

    errors: list[BaseException] = []

    def run(call):
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} logins failed: {errors[0]}")
