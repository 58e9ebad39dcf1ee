"""The project package.

Unlike Celery's Django recipe, the Celery app is not imported here: that would load Celery with every
`manage.py` command. It is created where tasks are: by `celery -A iscm_survey` (which finds
`iscm_survey.celery`), by the analytics tasks modules, and by `iscm_survey.publish` before any task is published.
"""
