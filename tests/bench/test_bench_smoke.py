"""`make bench` must keep working: the whole run at a trivial size (5 responses, 2 focal points for about
a second), in a child process on its own SQLite file with Celery eager. Nothing is timed or compared
with a target here: the figures of so small a run mean nothing; what matters is that every measure
runs and that the correctness checks of the load test hold (no lost answer, aggregates equal)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_runs_every_measure_at_a_trivial_size(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    output = tmp_path / "results.json"
    completed = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.run",
            "--sizes", "5", "--repeat", "1", "--dashboard-repeat", "1",
            "--load-seconds", "1", "--load-clients", "2", "--load-campaigns", "1", "--web-workers", "1",
            "--workdir", str(tmp_path), "--output", str(output), "--no-docs", "--keep-db",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(output.read_text())

    assert results["data"]["bench-5"] == {"invited": 6, "submitted": 5, "drafts": 1}
    assert results["recompute"]["5"]["recompute_s"]["median"] > 0
    assert results["recompute"]["5"]["answer_choice_rows"] > 0
    assert results["dashboard"]["same_queries_all"] and results["dashboard"]["same_queries_region"]
    assert results["submit"]["sizes"]["5"]["submit"]["queries"] > 0
    assert results["submit"]["aggregates_equal_at_commit"]
    assert results["export"]["5"]["command"]["returncode"] == 0
    assert results["export"]["5"]["command"]["max_rss_mb"] > 10
    assert results["import"]["5"]["ok"] and results["import"]["5"]["round_trip_identical"]
    assert results["workbook"]["5"]["command"]["returncode"] == 0 and results["workbook"]["5"]["file_bytes"] > 0

    load = results["load"]
    assert load["floor"]["requests"] > 0 and load["floor"]["errors"] == 0
    assert load["workflow"]["submissions"] >= 2, load["workflow"]["error_examples"]
    assert load["workflow"]["errors"] == 0 and load["workflow"]["flow_errors"] == 0, load["workflow"][
        "error_examples"
    ]
    assert load["answers"]["checked"] >= 2 and load["answers"]["lost"] == 0
    assert load["aggregates"]["equal"]
    assert 0 < load["workflow"]["round_p50_ms"] <= load["workflow"]["round_p95_ms"]
    assert {target["name"] for target in results["targets"]} >= {"Submissions under load: errors"}

    # The per-page profile runs on the kept database.
    pages = subprocess.run(
        [sys.executable, "-m", "benchmarks.pages", "--load-index", "1", "--rounds", "1"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pages.returncode == 0, pages.stdout[-3000:] + pages.stderr[-3000:]
    assert "queries per page: form" in pages.stdout and "× /healthz" in pages.stdout
