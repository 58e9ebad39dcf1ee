"""The project's Celery app for the fault tests' workers, with a short Redis visibility timeout.

`celery -A tests.faults.worker_app worker` runs the real tasks with the real settings; only the
Redis transport's `visibility_timeout` (after which an unacknowledged message goes back to the
queue) comes from FAULTS_VISIBILITY_TIMEOUT when it is set, so that a test can watch the message
of a killed worker come back within seconds instead of the production hour.
"""

import os

from django.conf import settings

from iscm_survey.celery import app

if os.environ.get("FAULTS_VISIBILITY_TIMEOUT"):
    # Set before the app reads its configuration, so it is applied over the CELERY_* settings.
    app.conf.update(
        broker_transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "visibility_timeout": float(os.environ["FAULTS_VISIBILITY_TIMEOUT"]),
        }
    )

__all__ = ["app"]
