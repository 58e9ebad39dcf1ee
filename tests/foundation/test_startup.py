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

# Libraries that only charts (plotly), workbooks (openpyxl), reports (python-docx, Playwright) and the
# API pages (DRF's views, drf-spectacular) need.
HEAVY = ("plotly", "openpyxl", "docx", "playwright", "rest_framework.views", "drf_spectacular.views")

COMMAND_START = """
import json, sys
import django
django.setup()
from django.core.management import load_command_class
command = load_command_class("questionnaires", "export_responses")
command.check(tags=command.requires_system_checks)
loaded = [name for name in {heavy!r} if name in sys.modules]
from iscm_survey.celery import app
app.loader.import_default_modules()  # what a worker does at start: the discovered tasks modules
print(json.dumps({{"loaded": loaded, "tasks": sorted(app.tasks)}}))
"""


def test_export_command_starts_without_the_chart_workbook_and_report_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iscm_survey.settings", "LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, "-c", COMMAND_START.format(heavy=HEAVY)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout.strip().splitlines()[-1])
    assert started["loaded"] == []
    # A worker still finds every app's tasks, the report's too.
    assert {
        "aggregates_recompute",
        "aggregates_sweep_stale",
        "aggregates_check_all",
        "report_generate",
        "response_confirmation_send",
    } <= set(started["tasks"])
