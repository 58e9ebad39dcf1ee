"""A real Celery worker, started like the compose `worker` service, runs a task published to Redis."""

import os
import time
import uuid

import pytest
from celery import Celery
from kombu import Exchange, Queue

from tests.workers import celery_worker_start, celery_worker_stop

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

    worker = celery_worker_start(queue=queue, log_path=log_path, env={}, include="iscm_survey.tasks")
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
        celery_worker_stop(worker)
        # Leave nothing in the broker: declaring tells kombu the bindings, so that delete removes them.
        with producer.connection_for_write() as connection:
            leftover = Queue(queue, Exchange(queue), routing_key=queue, channel=connection.default_channel)
            leftover.declare()
            leftover.delete()
        producer.close()
