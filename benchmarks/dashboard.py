"""Measure 2: the coordinator's dashboard, server side (Django test client: middleware, view, template;
no network), median of several requests after a warm-up, and its SQL query count, per size, unfiltered
and filtered on a region (filtered figures are counted live in SQL, not read from stored aggregates)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from questionnaires.models import Response

from .common import BenchContext, interleaved_timed, ratio
from .datagen import COORDINATOR_USERNAME


def _busiest_region(slug: str) -> str:
    row = (
        Response.objects.filter(campaign__slug=slug, status__in=Response.RESPONDED)
        .values("iscm__region")
        .annotate(n=Count("id"))
        .order_by("-n", "iscm__region")
        .first()
    )
    return row["iscm__region"] if row else ""


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    b"".join(response) if response.streaming else response.content  # noqa: B018 - read it all


def measure(ctx: BenchContext) -> dict[str, Any]:
    client = Client()
    client.force_login(get_user_model().objects.get(username=COORDINATOR_USERNAME))
    region = _busiest_region(ctx.campaign_slug(ctx.largest))
    results: dict[str, Any] = {"region": region, "sizes": {}}
    urls = {}
    for size in ctx.sizes:
        base = f"/campaigns/{ctx.campaign_slug(size)}/dashboard/"
        urls[(size, "all")] = base
        urls[(size, "region")] = f"{base}?{urlencode({'region': region})}"
    # every size and variant in turns, so that the ratios compare requests made in the same minutes
    timings = interleaved_timed(
        {f"{size}:{name}": (lambda url=url: _get(client, url)) for (size, name), url in urls.items()},
        repeat=ctx.dashboard_repeat,
        warmup=min(2, ctx.dashboard_repeat),
    )
    for (size, name), url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            _get(client, url)
        timing = timings[f"{size}:{name}"]
        results["sizes"].setdefault(str(size), {})[name] = {
            "server_s": timing,
            "queries": len(queries.captured_queries),
        }
        ctx.log(
            f"  dashboard {size:>6} {name:>6}: {timing['median'] * 1000:8.1f} ms, "
            f"{len(queries.captured_queries)} queries"
        )
    small, large = results["sizes"][str(ctx.smallest)], results["sizes"][str(ctx.largest)]
    for name in ("all", "region"):
        results[f"ratio_{name}"] = ratio(large[name]["server_s"]["median"], small[name]["server_s"]["median"])
        results[f"same_queries_{name}"] = large[name]["queries"] == small[name]["queries"]
    return results
