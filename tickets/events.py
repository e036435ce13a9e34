"""The timeline: every change to a ticket is recorded here, never edited."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tickets.models import Ticket, TicketEvent


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    actor=None,
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, data=data or {}, at=at or timezone.now()
    )
