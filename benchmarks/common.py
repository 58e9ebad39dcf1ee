"""What every measure shares: the run's context, timing, percentiles and child processes' peak memory.

This module must not import Django: `run.py` uses it before the settings are chosen.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class BenchContext:
    """Settings of one run, shared by the measures."""

    sizes: list[int]
    workdir: Path  # var/bench (or a temporary folder for the smoke test)
    env: dict[str, str]  # environment of the child processes (bench database, broker, settings)
    repeat: int = 5
    dashboard_repeat: int = 9
    load_seconds: float = 60.0
    load_clients: int = 50
    load_campaigns: int = 10
    web_workers: int | None = None  # None: docker-compose.yml's WEB_CONCURRENCY default
    slugs: dict[str, str] = field(default_factory=dict)  # "size:<n>", "import:<n>", "load:<i>" → slug
    broker: bool = False
    log: Callable[[str], None] = print

    @property
    def smallest(self) -> int:
        return min(self.sizes)

    @property
    def largest(self) -> int:
        return max(self.sizes)

    def campaign_slug(self, size: int) -> str:
        return self.slugs[f"size:{size}"]


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def summary(seconds: list[float]) -> dict[str, Any]:
    """Median, min and max of repeated runs (seconds), and the runs themselves."""
    return {
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "runs": [round(value, 6) for value in seconds],
    }


def repeat_timed(function: Callable[[], Any], *, repeat: int, warmup: int = 1) -> dict[str, Any]:
    for _ in range(warmup):
        function()
    return summary([timed(function) for _ in range(repeat)])


def interleaved_timed(
    functions: dict[str, Callable[[], Any]], *, repeat: int, warmup: int = 1
) -> dict[str, dict[str, Any]]:
    """Time several functions in turns (a, b, c, a, b, c, ...): on a shared machine, the figures a ratio
    compares see the same background load, instead of one side running in a quiet minute."""
    for _ in range(warmup):
        for function in functions.values():
            function()
    runs: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            runs[name].append(timed(function))
    return {name: summary(seconds) for name, seconds in runs.items()}


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def run_measured(command: list[str], *, env: dict[str, str], log_path: Path) -> dict[str, Any]:
    """Run a child process; its wall time, exit code and peak RSS (its own, read with wait4).

    `resource.getrusage(RUSAGE_CHILDREN)` would give the largest of all children so far, so a 1,000-row
    run after a 10,000-row run would report the bigger one; `os.wait4` gives this child's own figure.
    """
    with log_path.open("wb") as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
    return {
        "seconds": seconds,
        "returncode": process.returncode,
        "max_rss_mb": usage.ru_maxrss / 1024,  # Linux reports kilobytes
        "log": str(log_path),
    }


def machine_description(database_version: str | None) -> dict[str, Any]:
    """Cores, RAM, CPU model (/proc/cpuinfo), load average, database and Python versions."""
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "cpu_model": cpu_model,
        "load_average": load,
        "python": sys.version.split()[0],
        "database": database_version,
    }
