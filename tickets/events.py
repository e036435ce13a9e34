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
    backdated: bool = False,
) -> TicketEvent:
    """Appends an event. Something recorded now (the default) is never placed before the
    ticket's latest event: a service that waited for the ticket's lock read the clock before
    the holder committed, and the timeline (ordered by at, id) must read in commit order.
    `backdated` events (a breach at its deadline, a warning at its point) keep their `at`."""
    at = at or timezone.now()
    if not backdated:
        latest = (
            TicketEvent.objects.filter(ticket_id=ticket.pk)
            .order_by("-at", "-id")
            .values_list("at", flat=True)
            .first()
        )
        if latest is not None and latest > at:
            at = latest
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, data=data or {}, at=at)
