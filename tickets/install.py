"""What a plain `migrate` sets up, so "migrate + worker + beat" works without the demo:
the periodic tasks and, when there is no SLA policy at all, a default calendar and policy
(30 business minutes to first contact, 2 business days to resolve; edit it in the admin)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

INSTALL_POLICY = "Default: contact within 30 business minutes, resolve within 2 business days"


@transaction.atomic
def default_sla_install() -> bool:
    """Creates the default calendar and policy when no policy exists. True if created."""
    from sla.defaults import CALENDAR_NAME, RESOLUTION_MINUTES
    from sla.models import BusinessCalendar, SlaPolicy, WorkingHours

    if SlaPolicy.objects.exists():
        return False
    calendar, created = BusinessCalendar.objects.get_or_create(
        name=CALENDAR_NAME,
        defaults={"time_zone": "Europe/Moscow", "holiday_country": "RU"},
    )
    if created:
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start=dt.time(9), end=dt.time(18))
            for day in range(5)
        )
    SlaPolicy.objects.create(
        name=INSTALL_POLICY,
        calendar=calendar,
        first_contact_minutes=30,
        resolution_minutes=RESOLUTION_MINUTES,
        is_default=True,
    )
    return True


def on_post_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate of the tickets app (runs once per `migrate`)."""
    if not getattr(settings, "INSTALL_DEFAULTS_ON_MIGRATE", True) or using != "default":
        return
    from tickets.periodic import periodic_tasks_setup

    periodic_tasks_setup()
    default_sla_install()
