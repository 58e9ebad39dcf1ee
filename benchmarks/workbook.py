"""Measure 5: the Excel workbook (`manage.py export_responses <slug> --format xlsx -o FILE`).

In a child process per size: wall time (start-up included) and its own peak RSS (wait4). The writer is
openpyxl's write-only mode fed by the CSV export's streaming cursors, so the peak RSS must not grow
with the number of responses; the growth between the two largest sizes is the figure of the target.
"""

from __future__ import annotations

from typing import Any

from .common import PYTHON, BenchContext, run_measured


def measure(ctx: BenchContext) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in ctx.sizes:
        path = ctx.workdir / f"workbook-{size}.xlsx"
        command = run_measured(
            [PYTHON, "manage.py", "export_responses", ctx.campaign_slug(size), "--format", "xlsx", "-o", str(path)],
            env=ctx.env,
            log_path=ctx.workdir / f"workbook-{size}.log",
        )
        if command["returncode"] != 0:
            raise RuntimeError(f"export_responses --format xlsx failed, see {command['log']}")
        results[str(size)] = {"command": command, "file_bytes": path.stat().st_size}
        ctx.log(
            f"  workbook {size:>6}: {command['seconds']:.2f} s, peak RSS {command['max_rss_mb']:.1f} MB, "
            f"{path.stat().st_size / 1e6:.1f} MB file"
        )
    if len(ctx.sizes) > 1:
        previous = sorted(ctx.sizes)[-2]
        results["rss_growth_mb"] = (
            results[str(ctx.largest)]["command"]["max_rss_mb"] - results[str(previous)]["command"]["max_rss_mb"]
        )
        results["rss_compared"] = [previous, ctx.largest]
    return results
