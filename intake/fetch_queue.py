"""Recording an answer that must be fetched from the platform's API: one pending row per
(source, response id), handed to a worker after commit; intake.fetching does the fetch."""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from celery import current_app
from django.db import transaction

from intake.models import PendingFetch
from intake.platforms.base import FetchLater
from surveys.models import IngestionSource

PENDING_FETCH_TASK = "intake.pending_fetch_run"


def pending_fetch_record(
    *, source: IngestionSource, platform: ModuleType, later: FetchLater, now: dt.datetime
) -> PendingFetch:
    """Idempotent on (source, platform response id): a repeated notification re-arms the
    fetch (the answer may have changed) instead of adding a second row."""
    fetch, created = PendingFetch.objects.get_or_create(
        source=source,
        response_id=later.response_id,
        defaults={"platform": platform.NAME, "request": later.request, "next_attempt_at": now},
    )
    if not created:
        PendingFetch.objects.filter(pk=fetch.pk).update(
            request=later.request, status=PendingFetch.Status.PENDING, next_attempt_at=now
        )
    transaction.on_commit(lambda: _enqueue(fetch.pk))
    return fetch


def _enqueue(pk: int) -> None:
    try:
        # by name: the task module imports the fetching code, never the other way round
        current_app.tasks[PENDING_FETCH_TASK].delay(pk)
    except Exception:  # broker down: the periodic sweep will run it
        pass
