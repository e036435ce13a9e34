"""The one Celery app. Tasks live in each app's tasks.py and call services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")

app = Celery("feedback_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
