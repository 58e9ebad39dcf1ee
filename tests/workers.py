"""A real Celery worker in a subprocess, for the tests that need one (marked `services`, run in CI)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def celery_worker_start(*, queue: str, log_path: Path, env: dict[str, str], include: str = "") -> subprocess.Popen:
    """A solo worker of the project's app listening only on `queue`, its output in `log_path`."""
    command = [sys.executable, "-m", "celery", "-A", "iscm_survey", "worker", "--pool", "solo"]
    command += ["-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["-l", "info"] + (["--include", include] if include else [])
    with log_path.open("w") as log:
        return subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "iscm_survey.settings", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def celery_worker_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
