"""The SLA set-up the demo and a fresh install start from. Safe to run again: rows are
found by name and brought back to these values, nothing is duplicated."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sla.models import BusinessCalendar, EscalationLevel, SlaPolicy, SlaPolicyRule, WorkingHours

CALENDAR_NAME = "Moscow office (Mon–Fri 09:00–18:00)"
FAST_POLICY = "Detractors, high priority and enterprise: call within 30 business minutes"
STANDARD_POLICY = "Detractors: call within 4 business hours"
RESOLUTION_MINUTES = 16 * 60  # "two business days", counted as 2 × 8 business hours


@transaction.atomic
def install_default_sla() -> dict:
    """Creates or updates the default calendar, policies, rules and escalation."""
    calendar, _ = BusinessCalendar.objects.update_or_create(
        name=CALENDAR_NAME,
        defaults={"time_zone": "Europe/Moscow", "holiday_country": "RU", "holiday_subdivision": ""},
    )
    hours = {(row.weekday, row.start, row.end) for row in calendar.working_hours.all()}
    wanted = {(day, dt.time(9), dt.time(18)) for day in range(5)}
    if hours != wanted:
        calendar.working_hours.all().delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start=start, end=end)
            for day, start, end in sorted(wanted)
        )
    common = {"calendar": calendar, "resolution_minutes": RESOLUTION_MINUTES}
    standard = SlaPolicy.objects.filter(name=STANDARD_POLICY).first()
    others = SlaPolicy.objects.filter(is_default=True).exclude(pk=getattr(standard, "pk", None))
    if others.exclude(name=INSTALL_POLICY).exists():
        is_default = False  # an admin chose another default: keep it
    else:
        is_default = True
        others.update(is_default=False)  # the one `migrate` made stands aside
    standard, _ = SlaPolicy.objects.update_or_create(
        name=STANDARD_POLICY,
        defaults={**common, "first_contact_minutes": 240, "is_default": is_default},
    )
    fast, _ = SlaPolicy.objects.update_or_create(
        name=FAST_POLICY, defaults={**common, "first_contact_minutes": 30}
    )
    fast_rules = (
        (10, "priority", "urgent"),
        (20, "priority", "high"),
        (30, "segment", "enterprise"),
    )
    for position, field, value in fast_rules:
        SlaPolicyRule.objects.get_or_create(
            policy=fast,
            survey=None,
            **{"segment": "", "priority": "", field: value},
            defaults={"position": position},
        )
    for policy in (standard, fast):
        EscalationLevel.objects.update_or_create(
            policy=policy,
            level=1,
            defaults={"after_minutes": 60, "notify_manager": True, "reassign_to_manager": False},
        )
    return {"calendar": calendar, "standard": standard, "fast": fast}


INSTALL_POLICY = "Default: contact within 30 business minutes, resolve within 2 business days"


@transaction.atomic
def default_sla_install() -> bool:
    """Creates the default calendar and policy when no policy exists. True if created."""
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
