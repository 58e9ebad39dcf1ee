"""Command start-up: the heavy libraries load where they are used, not with every `manage.py` command.

Checked in a fresh interpreter (this test process has long imported everything): Django set up, the
`export_responses` command loaded and its system checks run, as `manage.py export_responses` does
before it reads the database.
"""

import json
import os
import subprocess
import sys

from django.conf import settings

# Libraries that only charts (plotly), workbooks (openpyxl), reports (python-docx, Playwright), the API
# pages (DRF's views, drf-spectacular) and publishing a task (Celery, kombu) need.
HEAVY = ("plotly", "openpyxl", "docx", "playwright", "rest_framework.views", "drf_spectacular.views", "celery", "kombu")

COMMAND_START = """
import json, sys
import django
django.setup()
from django.core.management import load_command_class
command = load_command_class("questionnaires", "export_responses")
command.check(tags=command.requires_system_checks)
loaded = [name for name in {heavy!r} if name in sys.modules]
print(json.dumps({{"loaded": loaded}}))
"""

# What `celery -A iscm_survey worker` and `beat` do: find the app, import the discovered tasks modules,
# read the beat schedule.
WORKER_START = """
import json
from celery.app.utils import find_app
from celery.beat import Scheduler
app = find_app("iscm_survey")
app.loader.import_default_modules()
schedule = {
    name: [entry.task, str(entry.schedule)]
    for name, entry in Scheduler(app=app).schedule.items()
    if not name.startswith("celery.")
}
print(json.dumps({"main": app.main, "tasks": sorted(app.tasks), "schedule": schedule}))
"""

# Publishing in a fresh interpreter: Celery is loaded by the first publish, made from another thread (as
# a web server's request thread would) and after something asked Celery for its current app before ours
# existed (which makes Celery's fallback app, the current app of threads that have none).
PUBLISH = """
import json, sys, threading
import django
django.setup()
before = "celery" in sys.modules
from celery import current_app
current_app.conf.broker_url = "memory://localhost/"  # the fallback app: should a publish go there, it goes nowhere
from iscm_survey.publish import task_publish
from iscm_survey.tasks import health_ping_task
runs = {{}}
def publish(name):
    published = task_publish(health_ping_task, args=[{folder!r} + "/" + name, name], defer_on_failure=False)
    runs[name] = [published, current_app.main, current_app.conf.task_always_eager]
thread = threading.Thread(target=publish, args=["thread"])
thread.start()
thread.join()
publish("main")
print(json.dumps({{"celery_before": before, "runs": runs}}))
"""


def run_fresh(code: str) -> dict:
    """Run `code` in a new interpreter with the project's settings, without a broker (tasks run eagerly)."""
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env.update(DJANGO_SETTINGS_MODULE="iscm_survey.settings", LOG_LEVEL="WARNING")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_export_command_starts_without_the_chart_workbook_report_and_celery_libraries():
    assert run_fresh(COMMAND_START.format(heavy=HEAVY))["loaded"] == []


def test_the_worker_and_beat_find_our_app_every_task_and_the_schedule():
    started = run_fresh(WORKER_START)
    assert started["main"] == "iscm_survey"
    assert {
        "aggregates_recompute",
        "aggregates_sweep_stale",
        "aggregates_check_all",
        "report_generate",
        "response_confirmation_send",
        "response_review_send",
        "invitation_send",
        "reminder_send",
        "reminders_send_due",
        "campaign_open_send",
        "campaign_openings_announce",
        "deferred_tasks_publish",
        "iscm_survey.tasks.health_ping_task",
    } <= set(started["tasks"])
    assert started["schedule"] == {
        "aggregates-sweep-stale": ["aggregates_sweep_stale", "<freq: 1.00 minute>"],
        "aggregates-check-all": ["aggregates_check_all", "<crontab: 17 3 * * * (m/h/dM/MY/d)>"],
        "reminders-send-due": ["reminders_send_due", "<freq: 1.00 hour>"],
        "campaign-openings-announce": ["campaign_openings_announce", "<freq: 5.00 minutes>"],
        "deferred-tasks-publish": ["deferred_tasks_publish", "<freq: 1.00 minute>"],
    }


def test_a_task_published_in_a_fresh_process_runs_on_our_app_in_every_thread(tmp_path):
    published = run_fresh(PUBLISH.format(folder=str(tmp_path)))
    assert published["celery_before"] is False
    # Published, on our app, run in-process as it is configured without a broker: the task wrote its token.
    assert published["runs"] == {"thread": [True, "iscm_survey", True], "main": [True, "iscm_survey", True]}
    assert (tmp_path / "thread").read_text() == "thread"
    assert (tmp_path / "main").read_text() == "main"
