"""`make bench` = `python -m benchmarks.run`: build a throwaway bench database, fill it, measure, report.

Database: with DATABASE_URL (PostgreSQL), a dedicated database `<name>_bench` next to it, dropped and
created at the start and dropped at the end (`--keep-db` keeps it for profiling); without, SQLite at
var/bench/bench.sqlite3. The run's own Django and every child process (export/import commands,
gunicorn, the Celery worker) get DATABASE_URL pointing at the bench database. Celery runs a real worker
when CELERY_BROKER_URL is set (use a Redis database of its own, e.g. redis://127.0.0.1:6379/12: the
queue is purged before the load test), else tasks run eagerly.

Settings are production's (DEBUG off, PBKDF2, ...) with plain HTTP on 127.0.0.1: no TLS redirect,
no secure-only cookies, no hashed static manifest (no collectstatic needed), e-mails discarded.

Results: var/bench/results.json, and the results section of docs/benchmarks.md (between the markers;
the rest of that file is written by hand and kept).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .common import ROOT, BenchContext, machine_description

MEASURES = ("recompute", "dashboard", "submit", "export", "import", "workbook", "load")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="Submitted responses per campaign.")
    parser.add_argument(
        "--only", default=",".join(MEASURES), help=f"Measures to run, of {', '.join(MEASURES)}."
    )
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs per figure (median reported).")
    parser.add_argument(
        "--dashboard-repeat", type=int, default=9, help="Timed dashboard requests per figure."
    )
    parser.add_argument("--load-seconds", type=float, default=float(os.environ.get("BENCH_LOAD_SECONDS", 60)))
    parser.add_argument("--load-clients", type=int, default=50)
    parser.add_argument("--load-campaigns", type=int, default=10)
    parser.add_argument("--web-workers", type=int, help="gunicorn workers (default: docker-compose.yml's).")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--output", help="Results JSON (default: <workdir>/results.json).")
    parser.add_argument("--docs", default=str(ROOT / "docs" / "benchmarks.md"), help="Report to update.")
    parser.add_argument("--no-docs", action="store_true", help="Do not touch docs/benchmarks.md.")
    parser.add_argument("--keep-db", action="store_true", help="Keep the bench database for profiling.")
    parser.add_argument("--label", default="", help="A note stored with the results (e.g. 'after fix X').")
    return parser.parse_args(argv)


# --- the bench database ---------------------------------------------------------------------------


def _postgres_admin(url: str):
    import psycopg2

    parts = urlsplit(url)
    params = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 5432,
        "user": parts.username or os.environ.get("USER", "postgres"),
        "password": parts.password or None,
    }
    for dbname in ("postgres", parts.path.lstrip("/")):
        try:
            connection = psycopg2.connect(dbname=dbname, **params)
        except psycopg2.OperationalError:
            continue
        connection.autocommit = True
        return connection
    raise RuntimeError(f"Cannot connect to PostgreSQL at {parts.hostname}:{parts.port}")


def bench_database(url: str | None, workdir: Path) -> tuple[str, str]:
    """(DATABASE_URL of a fresh bench database, its name)."""
    if not url:
        path = workdir / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", str(path)
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("make bench supports PostgreSQL or (without DATABASE_URL) SQLite.")
    name = f"{parts.path.lstrip('/') or 'iscm'}_bench"
    admin = _postgres_admin(url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return parts._replace(path=f"/{name}").geturl(), name


def drop_bench_database(url: str | None, name: str) -> None:
    if not url:
        return
    admin = _postgres_admin(url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def bench_environment(database_url: str, workdir: Path) -> dict[str, str]:
    (workdir / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "iscm_survey.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_MANIFEST_STATIC": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "ISCM_VAR_DIR": str(workdir / "var"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


# --- the run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(MEASURES)
    if unknown:
        raise SystemExit(f"Unknown measures: {', '.join(sorted(unknown))}")
    clock = time.perf_counter()
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    original_url = os.environ.get("DATABASE_URL") or None
    database_url, database_name = bench_database(original_url, workdir)
    env = bench_environment(database_url, workdir)
    os.environ.update(env)  # this process too: the settings read the environment at django.setup()
    os.environ["LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", "WARNING")  # our own console stays readable

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    ctx = BenchContext(
        sizes=sizes,
        workdir=workdir,
        env=env,
        repeat=args.repeat,
        dashboard_repeat=args.dashboard_repeat,
        load_seconds=args.load_seconds,
        load_clients=args.load_clients,
        load_campaigns=args.load_campaigns,
        web_workers=args.web_workers,
        broker=bool(os.environ.get("CELERY_BROKER_URL")),
        log=lambda text: print(f"[{time.perf_counter() - clock:6.1f} s] {text}", flush=True),
    )
    started = datetime.datetime.now(datetime.UTC)
    results: dict[str, Any] = {"date": started.isoformat(timespec="seconds"), "label": args.label}
    try:
        ctx.log(f"bench database: {database_name} ({connection.vendor}); sizes {sizes}")
        call_command("migrate", verbosity=0)
        results["machine"] = machine_description(_database_version(connection))
        results["machine"]["redis"] = _redis_version() if ctx.broker else None
        start = time.perf_counter()
        from . import datagen

        results["data"] = datagen.world_create(ctx)
        results["data"]["generation_s"] = round(time.perf_counter() - start, 1)
        ctx.log(f"generated in {results['data']['generation_s']} s: {results['data']}")
        results["config"] = {
            "sizes": sizes,
            "repeat": args.repeat,
            "database": connection.vendor,
            "broker": ctx.broker,
            "load_seconds": args.load_seconds,
            "load_clients": args.load_clients,
            "load_campaigns": args.load_campaigns,
        }
        for name in only:
            ctx.log(f"{name} ...")
            results[name] = _measure(name, ctx)
            if name == "import" and "recompute" in only:
                from .recompute import measure_again

                ctx.log("recompute again, with the imported copy in the tables ...")
                results["recompute_after_import"] = measure_again(ctx)
        results["machine"]["load_average_end"] = machine_description(None)["load_average"]
        results["targets"] = targets(results)
    finally:
        connection.close()
        if not args.keep_db:
            drop_bench_database(original_url, database_name)
    output = Path(args.output) if args.output else workdir / "results.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    ctx.log(f"results: {output}")
    for target in results["targets"]:
        verdict = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        ctx.log(f"  {verdict:>6}  {target['name']}: {target['value']} (target {target['target']})")
    if not args.no_docs:
        from .report import docs_update

        docs_update(Path(args.docs), results)
        ctx.log(f"report: {args.docs}")
    if ctx.workdir.joinpath("var").exists():
        shutil.rmtree(ctx.workdir / "var", ignore_errors=True)
    return 0


def _measure(name: str, ctx: BenchContext) -> dict[str, Any]:
    if name == "recompute":
        from .recompute import measure
    elif name == "dashboard":
        from .dashboard import measure
    elif name == "submit":
        from .submit import measure
    elif name == "export":
        from .exchange import measure_export as measure
    elif name == "import":
        from .exchange import measure_import as measure
    elif name == "workbook":
        from .workbook import measure
    else:
        from .load import measure
    return measure(ctx)


def _database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def _redis_version() -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_timeout=2)
        return f"Redis {client.info('server')['redis_version']}"
    except Exception:  # noqa: BLE001 - a description only
        return None


# --- targets -------------------------------------------------------------------------------------


def _get(data: dict, *keys, default=None):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def _round(value, digits=2):
    return None if value is None else round(value, digits)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the benchmarks issue: the measured value and whether it is met (None: not measured)."""
    sizes = _get(results, "config", "sizes", default=[])
    largest = str(max(sizes)) if sizes else ""
    rows = []

    def add(name, target, value, met):
        rows.append({"name": name, "target": target, "value": value, "met": met})

    recompute = results.get("recompute")
    if recompute:
        value = _get(recompute, largest, "ratio")
        add(
            f"Recompute vs raw GROUP BY ({largest})",
            "≤ 3×",
            _round(value),
            None if value is None else value <= 3,
        )
        seconds = _get(recompute, largest, "recompute_s", "median")
        add(
            f"Recompute time ({largest})",
            "< 2 s",
            _round(seconds, 3),
            None if seconds is None else seconds < 2,
        )
    again = results.get("recompute_after_import")
    if again:
        seconds = _get(again, largest, "recompute_s", "median")
        add(
            f"Recompute time ({largest}; tables also holding the imported copy)",
            "< 2 s",
            _round(seconds, 3),
            None if seconds is None else seconds < 2,
        )
        value = _get(again, largest, "ratio")
        add(
            f"Recompute vs raw GROUP BY ({largest}; with the imported copy)",
            "≤ 3×",
            _round(value),
            None if value is None else value <= 3,
        )
    dashboard = results.get("dashboard")
    if dashboard:
        for name, label in (("all", "all ISCMs"), ("region", "region filter")):
            value = dashboard.get(f"ratio_{name}")
            add(
                f"Dashboard time largest/smallest ({label})",
                "≤ 1.5×",
                _round(value),
                None if value is None else value <= 1.5,
            )
            same = dashboard.get(f"same_queries_{name}")
            add(f"Dashboard query count identical ({label})", "identical", same, same)
    submit = results.get("submit")
    if submit:
        for kind, label in (("submit", "submission"), ("draft", "draft save")):
            value = submit.get(f"ratio_{kind}")
            add(
                f"Time per {label} largest/smallest",
                "≤ 1.1×",
                _round(value),
                None if value is None else value <= 1.1,
            )
            same = submit.get(f"same_queries_{kind}")
            add(f"Queries per {label} identical at every size", "identical", same, same)
        equal = submit.get("aggregates_equal_at_commit")
        add("Aggregates equal a fresh count right after the submissions", "equal", equal, equal)
    export = results.get("export")
    if export:
        value = _get(export, largest, "speed_vs_floor")
        add(
            f"Export speed vs COPY ({largest})",
            "≥ 25 %",
            _round(value, 3),
            None if value is None else value >= 0.25,
        )
        smallest = str(min(sizes)) if sizes else ""
        seconds = _get(export, smallest, "command", "seconds")
        add(
            f"`manage.py export_responses` at {smallest} responses, start-up included",
            "< 1 s",
            _round(seconds, 2),
            None if seconds is None else seconds < 1,
        )
        growth = export.get("rss_growth_mb")
        if growth is not None:
            compared = export.get("rss_compared")
            add(
                f"Export peak RSS growth {compared[0]} → {compared[1]}",
                "≤ 20 MB",
                _round(growth, 1),
                growth <= 20,
            )
    imported = results.get("import")
    if imported:
        value = _get(imported, largest, "ok")
        add(f"Import of {largest} rows succeeds", "all rows", value, value)
        speed = _get(imported, largest, "rows_per_s")
        add(
            f"Import speed ({largest} rows)",
            "≥ 500 rows/s",
            _round(speed, 0),
            None if speed is None else speed >= 500,
        )
        growth = imported.get("rss_growth_mb")
        if growth is not None:
            compared = imported["rss_compared"]
            add(f"Import peak RSS growth {compared[0]} → {compared[1]}", "≤ 20 MB", _round(growth, 1), growth <= 20)
        same = _get(imported, largest, "round_trip_identical")
        add(f"Export → import → export identical ({largest})", "identical", same, same)
    workbook = results.get("workbook")
    if workbook and workbook.get("rss_growth_mb") is not None:
        growth = workbook["rss_growth_mb"]
        compared = workbook["rss_compared"]
        add(
            f"Excel workbook peak RSS growth {compared[0]} → {compared[1]}",
            "≤ 20 MB",
            _round(growth, 1),
            growth <= 20,
        )
    load = results.get("load")
    if load:
        flow = load.get("workflow", {})
        errors = (flow.get("errors") or 0) + (flow.get("flow_errors") or 0)
        add("Submissions under load: errors", "0", errors, errors == 0)
        lost = _get(load, "answers", "lost", default=0) + _get(load, "answers", "wrong_status", default=0)
        add("Submissions under load: lost or wrong answers", "0", lost, lost == 0)
        equal = _get(load, "aggregates", "equal")
        add("Aggregates equal a fresh recompute after the queue drains", "equal", equal, equal)
        value = load.get("ratio_rps")
        add(
            "Workflow throughput vs /healthz",
            "≥ 25 %",
            _round(value, 3),
            None if value is None else value >= 0.25,
        )
        value = flow.get("round_p95_ms")
        add(
            f"Submission round p95 (form → Submit → review → Confirm → copy), {load.get('clients')} browsers",
            "< 1,000 ms",
            value,
            None if value is None else value < 1000,
        )
        value = flow.get("submissions_per_s")
        # django-survey-and-report 1.5, measured beside us on this machine (issue 19): 23.1–27.7 per second.
        met = None if value is None else value >= 27
        add("Completed submissions per second", "≥ 27 (the peer's)", _round(value, 1), met)
    return rows


if __name__ == "__main__":
    sys.exit(main())
