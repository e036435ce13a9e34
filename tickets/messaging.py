"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation

from feedback_desk.datetimes import moment_format
from notifications.services import Email, deliveries_enqueue
from tickets.models import (
    Ticket,
)


def ticket_payload(ticket: Ticket) -> dict:
    """What outbound webhooks and emails say about a ticket."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team.slug,
        "assignee": ticket.assignee.username if ticket.assignee_id else None,
        "customer": {
            "id": ticket.customer_id,
            "external_id": ticket.customer.external_id,
            "email": ticket.customer.email,
            "name": ticket.customer.name,
        },
        "score": ticket.origin_response.score,
        "comment": ticket.origin_response.comment,
    }


def webhook_body(ticket: Ticket, **extra) -> dict:

    return {"ticket": ticket_payload(ticket), **extra}


def moment_for(moment: dt.datetime | None, user) -> str:
    if moment is None:
        return "—"
    zone = getattr(user, "time_zone", "") or settings.TIME_ZONE
    shown = moment_format(moment, style=getattr(user, "date_style", None), tz=zone_or_utc(zone))
    return f"{shown} ({zone})"


def zone_or_utc(name: str):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def ticket_url(ticket: Ticket) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/tickets/{ticket.pk}/"


def users_notify(users, *, event_key: str, topic: str, payload: dict, render, outbox=None) -> None:
    emails, seen = [], set()
    for user in users:
        if user is None or not user.email or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = render(user)
            emails.append(Email(user.email, str(subject), str(body)))
    deliveries_enqueue(
        event_key=event_key, topic=topic, payload=payload, emails=emails, outbox=outbox
    )
