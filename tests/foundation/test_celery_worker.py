"""A real Celery worker, started like the compose `worker` service, runs a task published to Redis."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.conf import settings
from kombu import Exchange, Queue

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"),
]

WAIT_SECONDS = 30


def test_a_worker_runs_a_task_published_to_the_broker(tmp_path):
    broker_url = os.environ["CELERY_BROKER_URL"]
    queue = f"foundation-test-{uuid.uuid4().hex[:12]}"  # only this worker listens to it
    target = tmp_path / "pong.txt"
    token = uuid.uuid4().hex
    log_path = tmp_path / "worker.log"

    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "iscm_survey",
                "worker",
                "--pool",
                "solo",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--include",
                "iscm_survey.tasks",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "iscm_survey.settings"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # A producer of its own: the test settings cannot turn this into an in-process (eager) call.
    producer = Celery("foundation-test-producer", broker=broker_url)
    try:
        producer.send_task("iscm_survey.tasks.health_ping_task", args=[str(target), token], queue=queue)

        deadline = time.monotonic() + WAIT_SECONDS
        while not target.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)

        assert target.exists(), (
            f"no result after {WAIT_SECONDS}s (worker exit code {worker.poll()}):\n{log_path.read_text()}"
        )
        assert target.read_text() == token
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        # Leave nothing in the broker: declaring tells kombu the bindings, so that delete removes them.
        with producer.connection_for_write() as connection:
            leftover = Queue(queue, Exchange(queue), routing_key=queue, channel=connection.default_channel)
            leftover.declare()
            leftover.delete()
        producer.close()
