"""Measures 3 and 4: the wide CSV export against PostgreSQL's COPY of the same data, and the import.

Export speed: the export's byte generator (`csv_io.responses_csv`, what the command and the web view
stream) consumed in this process, against `COPY (SELECT ...) TO STDOUT` of the same responses, scalar
answers and ticked choices into a null sink (psycopg2 `copy_expert`): the floor, no Python per row.
With SQLite (no COPY) the floor is the same three SELECTs fetched through the cursor.
Export memory: `manage.py export_responses <slug> -o FILE` in a child process, its own peak RSS (wait4).
Import: `manage.py import_responses <slug> FILE` of that export into a fresh campaign inviting the same
ISCMs, in a child process: time and peak RSS; then the imported campaign is exported again and must
give the same bytes (the round trip of the CSV issue, at 10,000 responses).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection

from questionnaires.csv_io import responses_csv, responses_for_export
from questionnaires.models import Campaign, Response

from .common import PYTHON, BenchContext, interleaved_timed, ratio, run_measured

_RESPONDED = ", ".join(f"'{status}'" for status in Response.RESPONDED)

# The data of a wide export, as plain rows: the responses, the scalar answers, the ticked choices,
# in the export's order (ISCM acronym, response id). Campaign ids are integers we read ourselves.
FLOOR_SELECTS = (
    """SELECT i.acronym, i.name, i.region, i.type, r.status, r.submitted_at
       FROM questionnaires_response r JOIN questionnaires_iscm i ON i.id = r.iscm_id
       WHERE r.campaign_id = {campaign} AND r.status IN ({statuses})
       ORDER BY i.acronym, r.id""",
    """SELECT i.acronym, q.code, a.text, a.number, a.date
       FROM questionnaires_answer a
       JOIN questionnaires_response r ON r.id = a.response_id
       JOIN questionnaires_iscm i ON i.id = r.iscm_id
       JOIN questionnaires_question q ON q.id = a.question_id
       WHERE r.campaign_id = {campaign} AND r.status IN ({statuses})
       ORDER BY i.acronym, r.id""",
    """SELECT i.acronym, q.code, c.code
       FROM questionnaires_answerchoice ac
       JOIN questionnaires_response r ON r.id = ac.response_id
       JOIN questionnaires_iscm i ON i.id = r.iscm_id
       JOIN questionnaires_question q ON q.id = ac.question_id
       JOIN questionnaires_choice c ON c.id = ac.choice_id
       WHERE r.campaign_id = {campaign} AND r.status IN ({statuses})
       ORDER BY i.acronym, r.id""",
)


class NullSink:
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data) -> int:
        self.bytes += len(data)
        return len(data)


def floor_copy(campaign_id: int) -> int:
    """Bytes written by COPY of the export's data (PostgreSQL), or fetched by the SELECTs (SQLite)."""
    sink = NullSink()
    with connection.cursor() as cursor:
        for select in FLOOR_SELECTS:
            sql = select.format(campaign=int(campaign_id), statuses=_RESPONDED)
            if connection.vendor == "postgresql":
                cursor.cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", sink)
            else:
                cursor.execute(sql)
                for row in cursor.fetchall():
                    sink.write(repr(row))
    return sink.bytes


def export_bytes(campaign: Campaign) -> tuple[int, str]:
    """Consume the export generator (what the command and the web download stream): size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    for chunk in responses_csv(
        questionnaire=campaign.questionnaire, responses=responses_for_export(campaign=campaign)
    ):
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


def _manage(*args: str) -> list[str]:
    return [PYTHON, "manage.py", *args]


def measure_export(ctx: BenchContext) -> dict[str, Any]:
    results: dict[str, Any] = {
        "floor": "COPY TO STDOUT" if connection.vendor == "postgresql" else "SELECT fetchall"
    }
    repeat = max(1, min(ctx.repeat, 3))
    for size in ctx.sizes:
        campaign = Campaign.objects.select_related("questionnaire").get(slug=ctx.campaign_slug(size))
        timings = interleaved_timed(
            {
                "export": lambda campaign=campaign: export_bytes(campaign),
                "floor": lambda campaign=campaign: floor_copy(campaign.pk),
            },
            repeat=repeat,
        )
        export, floor = timings["export"], timings["floor"]
        path = ctx.workdir / f"export-{size}.csv"
        command = run_measured(
            _manage("export_responses", campaign.slug, "-o", str(path)),
            env=ctx.env,
            log_path=ctx.workdir / f"export-{size}.log",
        )
        if command["returncode"] != 0:
            raise RuntimeError(f"export_responses failed, see {command['log']}")
        results[str(size)] = {
            "export_s": export,
            "floor_s": floor,
            # the export's speed as a fraction of COPY's (target: at least 0.25)
            "speed_vs_floor": ratio(floor["median"], export["median"]),
            "file_bytes": path.stat().st_size,
            "floor_bytes": floor_copy(campaign.pk),
            "command": command,
        }
        ctx.log(
            f"  export {size:>6}: {export['median'] * 1000:8.1f} ms in-process, "
            f"floor {floor['median'] * 1000:7.1f} ms, "
            f"speed {results[str(size)]['speed_vs_floor']:.0%} of floor; command {command['seconds']:.2f} s, "
            f"peak RSS {command['max_rss_mb']:.1f} MB, {path.stat().st_size / 1e6:.1f} MB file"
        )
    if len(ctx.sizes) > 1:
        previous = sorted(ctx.sizes)[-2]
        results["rss_growth_mb"] = (
            results[str(ctx.largest)]["command"]["max_rss_mb"]
            - results[str(previous)]["command"]["max_rss_mb"]
        )
        results["rss_compared"] = [previous, ctx.largest]
    return results


def measure_import(ctx: BenchContext) -> dict[str, Any]:
    """Import the export of every size into a fresh campaign (speed, and memory growth between sizes)."""
    results: dict[str, Any] = {}
    sizes = sorted(ctx.sizes)
    for size in sizes:
        slug = ctx.slugs[f"import:{size}"]
        campaign = Campaign.objects.select_related("questionnaire").get(slug=slug)
        Response.objects.filter(campaign=campaign).delete()
        source = ctx.workdir / f"export-{size}.csv"
        command = run_measured(
            _manage("import_responses", slug, str(source)),
            env=ctx.env,
            log_path=ctx.workdir / f"import-{size}.log",
        )
        imported = Response.objects.filter(campaign=campaign).count()
        _bytes, digest = export_bytes(campaign)
        source_digest = hashlib.sha256(source.read_bytes()).hexdigest()
        results[str(size)] = {
            "command": command,
            "ok": command["returncode"] == 0 and imported == size,
            "imported": imported,
            "rows_per_s": size / command["seconds"] if command["seconds"] else None,
            "file_bytes": source.stat().st_size,
            "round_trip_identical": digest == source_digest,
        }
        ctx.log(
            f"  import {size:>6}: {command['seconds']:.2f} s "
            f"({results[str(size)]['rows_per_s'] or 0:.0f} rows/s), peak RSS {command['max_rss_mb']:.1f} MB, "
            f"{imported} imported, round trip {'identical' if digest == source_digest else 'DIFFERENT'}"
        )
        if command["returncode"] != 0:
            ctx.log(f"  import failed: see {command['log']}")
    if len(sizes) > 1:
        results["rss_growth_mb"] = (
            results[str(sizes[-1])]["command"]["max_rss_mb"] - results[str(sizes[-2])]["command"]["max_rss_mb"]
        )
        results["rss_compared"] = sizes[-2:]
    return results
