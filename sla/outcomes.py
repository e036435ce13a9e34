"""The periodic SLA sweep: look only at clocks whose `next_check_at` has come.

Like healthchecks' sendalerts loop, the work follows an indexed "due" column (partial
index sla_clock_due_idx), so the cost grows with due clocks, not with open tickets.
Rows are taken in batches with SELECT … FOR UPDATE SKIP LOCKED inside one transaction
per batch: any number of workers can sweep at once, each clock is handled by exactly
one of them, and the timeline event, the state change and the outbox rows commit
together. Every check moves `next_check_at` past `now` (or to NULL), so a batch never
comes back in the same sweep. The batch's tickets are locked too (SKIP LOCKED: a clock
whose ticket a service holds waits for the next round) and their queue summary
(Ticket.next_due_at / sla_state) is refreshed with one UPDATE per batch.
"""

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
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA_BREACHED,
        data={
            "clock": clock.kind,
            "due_at": clock.due_at.isoformat(),
            "recorded_at": now.isoformat(),
        },
        at=clock.due_at,
    )
    if not ticket.escalated:
        if escalated is None:
            Ticket.objects.filter(pk=ticket.pk).update(escalated=True)
        else:  # the sweep marks its batch's tickets with one UPDATE
            escalated.add(ticket.pk)
        ticket.escalated = True
    sla_notify.breach_notify(clock, ticket, outbox=outbox)
