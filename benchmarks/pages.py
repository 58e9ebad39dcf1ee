"""CPU and queries per page of a submission round, in-process: where the workflow's time goes.

A focal point of a load campaign (`fp-load-NN`, `bench-load-NN` of a bench database kept with
`python -m benchmarks.run --keep-db`) goes through form → Submit → review → Confirm → submitted copy
with Django's test client and the production middleware, `/healthz` after each round; the median CPU
time of each page (this thread's, so a busy machine slows it less than wall time) and its multiple of
`/healthz`, then one more round with the SQL queries counted. `--profile KIND` prints cProfile's view
of that page. The load test (`--only load`) says what this costs under concurrency; this says why.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm_bench_bench python -m benchmarks.pages --rounds 12

It changes the answers of that focal point's response (the load test does as much).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections.abc import Callable

from .common import ROOT

VERSION = re.compile(r'name="version" value="(\d+)"')
KINDS = ("form", "submit", "review", "confirm", "submitted")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--load-index", type=int, default=4, help="Which load focal point and campaign (NN).")
    parser.add_argument("--rounds", type=int, default=12, help="Timed rounds after one warm-up round.")
    parser.add_argument("--profile", choices=KINDS, help="Print cProfile's view of this page.")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime, ...).")
    return parser.parse_args(argv)


def setup() -> None:
    """Production settings over plain HTTP, as the load test's server runs (benchmarks.run)."""
    from .run import bench_environment

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        sys.exit("DATABASE_URL must name a bench database kept with `python -m benchmarks.run --keep-db`.")
    os.environ.update(bench_environment(database_url, ROOT / "var" / "bench"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .answers import AnswerMaker, form_fields
    from .datagen import load_acronym, load_username

    user = get_user_model().objects.get(username=load_username(args.load_index))
    path = f"/campaigns/bench-load-{args.load_index:02d}/respond/{load_acronym(args.load_index)}/"
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    maker, rng = AnswerMaker.bundled(), random.Random(1)
    cpu: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "healthz")}
    profiler = cProfile.Profile()
    queries_per_page: dict[str, int] = {}

    def page(kind: str, call: Callable[[], object], *, profile: bool, count: bool):
        started = time.process_time()
        if profile:
            profiler.enable()
        # Queries are recorded in a round of their own: recording them costs CPU too.
        with CaptureQueriesContext(connection) if count else contextlib.nullcontext() as queries:
            reply = call()
        if profile:
            profiler.disable()
        cpu[kind].append((time.process_time() - started) * 1000)
        if count:
            queries_per_page[kind] = len(queries)
        return reply

    def submission_round(*, profile: bool = False, count: bool = False) -> None:
        def step(kind, call):
            return page(kind, call, profile=profile and kind == args.profile, count=count)

        form = step("form", lambda: client.get(path))
        data: dict[str, object] = {"version": VERSION.search(form.content.decode()).group(1), "action": "submit"}
        for name, value in form_fields(maker.answers(rng)):
            data.setdefault(name, []).append(value)
        submitted = step("submit", lambda: client.post(path, data))
        if submitted.status_code != 302 or not submitted["Location"].endswith("review/"):
            raise SystemExit(f"Submit answered {submitted.status_code}: is the campaign still open?")
        review = step("review", lambda: client.get(f"{path}review/"))
        version = VERSION.search(review.content.decode()).group(1)
        step("confirm", lambda: client.post(f"{path}review/", {"version": version}))
        step("submitted", lambda: client.get(f"{path}submitted/"))
        step("healthz", lambda: client.get("/healthz"))

    submission_round()  # warm-up: caches, connections, compiled templates
    for samples in cpu.values():
        samples.clear()
    for _round in range(args.rounds):
        submission_round(profile=bool(args.profile))
    healthz = statistics.median(cpu["healthz"])
    pages = 0.0
    for kind in KINDS:
        median = statistics.median(cpu[kind])
        pages += median
        _out(f"{kind:10s} {median:6.1f} ms CPU  {median / healthz:5.1f}× /healthz")
    _out(f"{'healthz':10s} {healthz:6.1f} ms CPU")
    ratio = 100 * len(KINDS) * healthz / pages
    _out(f"the round's pages ÷ as many /healthz (the CPU-bound throughput ratio): {ratio:.1f} %")
    submission_round(count=True)
    _out("queries per page: " + ", ".join(f"{kind} {queries_per_page[kind]}" for kind in KINDS))
    if args.profile:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(args.sort).print_stats(60)
        _out(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
