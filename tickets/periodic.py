"""The django-celery-beat rows the product needs, created or updated idempotently."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

SWEEP_TASK = "sla.sweep"
FLUSH_TASK = "notifications.deliveries_flush"
RERATE_TASK = "tickets.rerate_invitations_send"
AUTOCLOSE_TASK = "tickets.tickets_autoclose"
NPS_REFRESH_TASK = "reports.nps_rollup_refresh"
FETCH_TASK = "intake.pending_fetches_run"
NPS_REBUILD_TASK = "reports.nps_rollup_rebuild"
IMPORT_RESUME_TASK = "intake.import_jobs_resume"


@transaction.atomic
def periodic_tasks_setup(
    *, sla_interval: int | None = None, flush_interval: int | None = None
) -> list[tuple[str, int | str, bool]]:
    """Returns (task, every seconds or the daily UTC time "HH:MM", created) for each task."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    rebuild_hour = getattr(settings, "NPS_ROLLUP_REBUILD_HOUR", 3)
    wanted: list[tuple[str, str, int | str]] = [
        (
            "SLA sweep",
            SWEEP_TASK,
            sla_interval or settings.SLA_SWEEP_INTERVAL,
        ),
        (
            "Outbox flush",
            FLUSH_TASK,
            flush_interval or settings.OUTBOX_FLUSH_INTERVAL,
        ),
        ("Re-rate invitations", RERATE_TASK, 300),
        ("Close resolved tickets", AUTOCLOSE_TASK, 900),
        # Answers announced by id only (Qualtrics, SurveyMonkey) whose fetch is due.
        ("Fetch announced answers", FETCH_TASK, 60),
        # Import jobs whose hand-off to the worker was lost or whose worker died.
        ("Resume import jobs", IMPORT_RESUME_TASK, 60),
        ("NPS rollup refresh", NPS_REFRESH_TASK, getattr(settings, "NPS_ROLLUP_INTERVAL", 60)),
        # Daily at a quiet hour: also corrects what the refresh cannot see (SQL deletes).
        ("NPS rollup rebuild", NPS_REBUILD_TASK, f"{rebuild_hour:02d}:30"),
    ]
    done = []
    for name, task, when in wanted:
        interval = crontab = None
        if isinstance(when, int):
            if when < 1:
                raise ValueError(f"{task}: interval must be at least 1 second")
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=when, period=IntervalSchedule.SECONDS
            )
        else:
            hour, minute = when.split(":")
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=str(int(minute)),
                hour=str(int(hour)),
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="UTC",
            )
        periodic, created = PeriodicTask.objects.select_for_update().get_or_create(
            name=name,
            defaults={"task": task, "interval": interval, "crontab": crontab, "enabled": True},
        )
        current = (periodic.task, periodic.interval_id, periodic.crontab_id, periodic.enabled)
        wanted_now = (task, getattr(interval, "pk", None), getattr(crontab, "pk", None), True)
        if current != wanted_now:
            periodic.task, periodic.interval, periodic.crontab = task, interval, crontab
            periodic.enabled = True
            periodic.solar = periodic.clocked = None
            periodic.save()
        done.append((task, when, created))
    return done
