"""Import jobs: bulk bodies and files too large for one web request, processed by a Celery
task in chunks (one transaction each, progress included, so a restarted task resumes where
the last committed chunk ended and counts every row exactly once)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterator
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake.batch import ERROR, responses_ingest_batch
from intake.importing import _conflict_errors, rows_read
from intake.models import ImportJob
from intake.validation import Invalid, answer_validate, response_data
from surveys.models import IngestionSource, Survey

log = logging.getLogger(__name__)

CHUNK_ROWS = 500
MAX_REPORTED_ERRORS = 10_000
STALE_AFTER = dt.timedelta(minutes=10)  # a running job without progress this long is resumed
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def bulk_async_threshold() -> int:
    return settings.BULK_ASYNC_THRESHOLD


def import_job_bulk_create(
    *, source: IngestionSource, items: list, user=None, by_source_key: bool = False
) -> ImportJob:
    """Stores the body as a job and hands it to the worker once committed."""
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.BULK,
        source=source,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        by_source_key=by_source_key,
        items=items,
        rows_total=len(items),
    )
    transaction.on_commit(lambda: import_job_enqueue(job_id=job.pk))
    return job


def import_job_file_create(
    *, source: IngestionSource, text: str, file_format: str, survey: Survey | None, user=None
) -> ImportJob:
    lines = sum(1 for line in text.splitlines() if line.strip())
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.FILE,
        source=source,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        survey=survey,
        file_format=file_format,
        text=text,
        rows_total=max(lines - 1, 0) if file_format == "csv" else lines,  # refined at the end
    )
    transaction.on_commit(lambda: import_job_enqueue(job_id=job.pk))
    return job


def import_job_enqueue(*, job_id: int) -> None:
    """By the task's name; a broker outage leaves the job queued for the periodic resume."""
    from celery import current_app

    try:
        current_app.send_task("intake.import_job_run", args=[job_id])
    except Exception:  # noqa: BLE001 - the job row stays; import_jobs_resume retries it
        log.exception("import job %s could not be handed to the worker", job_id)


def import_jobs_due(*, now: dt.datetime | None = None) -> list[int]:
    """Queued jobs whose hand-off may have been lost, and running ones without progress."""
    now = now or timezone.now()
    return list(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED, created_at__lt=now - dt.timedelta(minutes=1))
            | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        ).values_list("pk", flat=True)
    )


def _claim(job_id: int, now: dt.datetime) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return None
        running = job.status == ImportJob.Status.RUNNING
        if running and job.heartbeat_at and job.heartbeat_at >= now - STALE_AFTER:
            return None  # another worker has it
        job.status = ImportJob.Status.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
        return job


def import_job_run(*, job_id: int, now: dt.datetime | None = None) -> ImportJob | None:
    """Processes the rows not yet done, a chunk per transaction; None if not runnable."""
    job = _claim(job_id, now or timezone.now())
    if job is None:
        return None
    try:
        rows = islice(_rows(job), job.rows_done, None)
        context: dict = {}
        while chunk := list(islice(rows, CHUNK_ROWS)):
            _chunk_store(job, chunk, context, now)
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, failure=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.rows_total = job.rows_done
    job.items, job.text = [], ""  # the payload is no longer needed
    job.save(update_fields=["status", "finished_at", "rows_total", "items", "text"])
    return job


def _rows(job: ImportJob) -> Iterator[tuple[int, dict | Invalid]]:
    """(row number, item or its errors): the item's index for a bulk body, the line of a
    file."""
    if job.kind == ImportJob.Kind.BULK:
        return enumerate(job.items)
    return rows_read(io.StringIO(job.text, newline=""), job.file_format)


def _validated(job: ImportJob, row, context: dict):
    if isinstance(row, Invalid):
        return row
    try:
        if job.kind == ImportJob.Kind.BULK:
            return answer_validate(row, context)
        return response_data(row, context=context, default_survey=job.survey)
    except Invalid as exc:
        return exc


def _chunk_store(job: ImportJob, chunk: list, context: dict, now) -> None:
    items = [_validated(job, row, context) for _, row in chunk]
    with transaction.atomic():
        outcomes = responses_ingest_batch(source=job.source, items=items, now=now)
        for (number, _row), item, outcome in zip(chunk, items, outcomes, strict=True):
            if outcome.conflict is not None:
                _error(
                    job, number, _conflict_errors(item.external_id, outcome.conflict.existing.score)
                )
            elif outcome.status == ERROR:
                _error(job, number, outcome.errors)
            elif outcome.created:
                job.created += 1
            else:
                job.duplicates += 1
        job.rows_done += len(chunk)
        job.rows_total = max(job.rows_total, job.rows_done)
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=[
                "rows_done",
                "rows_total",
                "created",
                "duplicates",
                "errors",
                "error_rows",
                "heartbeat_at",
            ]
        )


def _error(job: ImportJob, number: int, errors: dict[str, list[str]]) -> None:
    job.errors += 1
    for field, messages in errors.items():
        if len(job.error_rows) < MAX_REPORTED_ERRORS:
            job.error_rows.append([number, field, " ".join(str(m) for m in messages)])


def import_job_errors_csv(*, job: ImportJob) -> str:
    """The error report: one line per (row, field, reason); cells a spreadsheet would run
    as a formula get a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "reason"])
    for number, field, reason in job.error_rows:
        writer.writerow([number, _cell(field), _cell(reason)])
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def import_job_visible(*, job: ImportJob, user, source: IngestionSource | None) -> bool:
    """The source key or the user that created it, and admins."""
    if source is not None:
        return job.by_source_key and job.source_id == source.pk
    if not getattr(user, "is_authenticated", False):
        return False
    from tickets.selectors import user_is_admin

    return job.created_by_id == user.pk or user_is_admin(user)
