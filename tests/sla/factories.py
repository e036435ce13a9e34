"""SLA test helpers: calendars, policies and tickets opened through the real services."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sla.models import BusinessCalendar, CalendarException, EscalationLevel, SlaPolicy, WorkingHours
from tests import factories
from tickets.models import Ticket

UTC = dt.UTC


def at(zone: str, *args) -> dt.datetime:
    """An aware moment given as wall-clock time in a zone."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


def calendar_make(
    *,
    zone="Europe/Moscow",
    country="",
    subdivision="",
    days=range(5),
    hours=((dt.time(9), dt.time(18)),),
    exceptions=(),
) -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(
        name=f"{zone} {country}",
        time_zone=zone,
        holiday_country=country,
        holiday_subdivision=subdivision,
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=day, start=start, end=end)
        for day in days
        for start, end in hours
    )
    for date, kind, *times in exceptions:
        start, end = (times + [None, None])[:2]
        CalendarException.objects.create(
            calendar=calendar, date=date, kind=kind, start=start, end=end
        )
    return calendar


def policy_make(
    *,
    calendar=None,
    first_contact=30,
    resolution=240,
    warning_percent=75,
    lead=None,
    default=True,
    levels=(),
) -> SlaPolicy:
    policy = SlaPolicy.objects.create(
        name=f"policy {first_contact}/{resolution}",
        calendar=calendar,
        first_contact_minutes=first_contact,
        resolution_minutes=resolution,
        warning_percent=warning_percent,
        warning_lead_minutes=lead,
        is_default=default,
    )
    for level, after, kwargs in levels:
        EscalationLevel.objects.create(policy=policy, level=level, after_minutes=after, **kwargs)
    return policy


def ticket_open(*, survey, source, now: dt.datetime, segment="", **kwargs) -> Ticket:
    """A detractor answer ingested at `now`: the real path opens the ticket and clocks."""
    from intake.services import CustomerData

    n = next(_counter)
    customer = CustomerData(
        external_id=f"sla-cust-{n}",
        email=f"sla{n}@example.com",
        attributes={"name": f"Customer {n}", "segment": segment},
    )
    result = factories.ingest(
        survey, source, customer=customer, responded_at=now, external_id=f"sla-{n}", **kwargs
    )
    return Ticket.objects.get(pk=result.response.ticket_id)


_counter = iter(range(10**9))
