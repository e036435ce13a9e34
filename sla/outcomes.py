"""What a clock's outcome records: the timeline event, the ticket's escalated mark and the
message. Shared by the sweep (on time) and by clock_meet (a breach the sweep missed)."""

from __future__ import annotations

import datetime as dt

from sla import notify as sla_notify
from sla.models import SlaClock
from tickets.events import event_record
from tickets.models import Ticket, TicketEvent


def clock_warn(
    clock: SlaClock, *, ticket: Ticket, now: dt.datetime, quiet: bool = False, outbox=None
) -> None:
    clock.warned_at = clock.warn_at
    clock.state = SlaClock.State.AT_RISK
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA_WARNING,
        data={
            "clock": clock.kind,
            "due_at": clock.due_at.isoformat(),
            "recorded_at": now.isoformat(),
        },
        at=clock.warn_at,
        backdated=True,
    )
    if not quiet:
        sla_notify.warning_notify(clock, ticket, outbox=outbox)


def clock_breach(
    clock: SlaClock,
    *,
    ticket: Ticket,
    now: dt.datetime,
    outbox=None,
    escalated: set[int] | None = None,
) -> None:
    """The deadline passed: recorded at the deadline itself, to the second."""
    clock.breached_at = clock.due_at
    clock.state = SlaClock.State.BREACHED
    if clock.held_by_id is None:  # the breach stays with whoever held the ticket then
        clock.held_by_id = ticket.assignee_id
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA_BREACHED,
        data={
            "clock": clock.kind,
            "due_at": clock.due_at.isoformat(),
            "recorded_at": now.isoformat(),
        },
        at=clock.due_at,
        backdated=True,
    )
    if not ticket.escalated:
        if escalated is None:
            Ticket.objects.filter(pk=ticket.pk).update(escalated=True)
        else:  # the sweep marks its batch's tickets with one UPDATE
            escalated.add(ticket.pk)
        ticket.escalated = True
    sla_notify.breach_notify(clock, ticket, outbox=outbox)
