"""The django-celery-beat rows the product needs, created or updated idempotently."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

SWEEP_TASK = "tickets.sla_sweep"
FLUSH_TASK = "notifications.deliveries_flush"
RERATE_TASK = "tickets.rerate_invitations_send"
AUTOCLOSE_TASK = "tickets.tickets_autoclose"


@transaction.atomic
def periodic_tasks_setup(
    *, sla_interval: int | None = None, flush_interval: int | None = None
) -> list[tuple[str, int, bool]]:
    """Returns (task, every seconds, created) for each periodic task."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    wanted = [
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
    ]
    done = []
    for name, task, seconds in wanted:
        if seconds < 1:
            raise ValueError(f"{task}: interval must be at least 1 second")
        every, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        periodic, created = PeriodicTask.objects.select_for_update().get_or_create(
            name=name,
            defaults={"task": task, "interval": every, "enabled": True},
        )
        changed = (periodic.task, periodic.interval_id, periodic.enabled) != (task, every.pk, True)
        if changed:
            periodic.task, periodic.interval, periodic.enabled = task, every, True
            periodic.crontab = periodic.solar = periodic.clocked = None
            periodic.save()
        done.append((task, seconds, created))
    return done
