"""Recalculation: an admin applies a policy again to a ticket's existing clocks.

Clock rows keep the deadlines they were given (sla/clocks.py), so editing a policy
rewrites no history until an admin asks for it here; each clock is then left as if the
policy had applied from its start, and the timeline says what changed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from sla.clocks import (
    deadline_after,
    next_check,
    policy_for,
    ticket_sla_summary_refresh,
    warning_minutes,
)
from sla.models import SlaClock
from tickets.events import event_record
from tickets.models import Status, Ticket, TicketEvent


@transaction.atomic
def sla_recalculate(
    *, ticket: Ticket, now: dt.datetime | None = None, by=None, repick_policy: bool = True
) -> list[SlaClock]:
    """Admin-requested: apply the current policy (re-chosen by the rules unless told not
    to) to the ticket's clocks, as if it had applied from their start. Each clock keeps
    its start and paused time; warnings and breaches that no longer hold (as of the pause,
    for a paused clock) are cleared, new ones are left for the next sweep. A paused clock
    stays paused unless its new deadline came before the pause."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    old_policy = ticket.sla_policy
    policy = (policy_for(ticket) if repick_policy else None) or old_policy
    if policy is None:
        return []
    if policy != old_policy:
        ticket.sla_policy = policy
        ticket.save(update_fields=["sla_policy"])
    changes = []
    waiting_since = _waiting_since(ticket)
    clocks = list(ticket.clocks.select_for_update().order_by("kind"))
    for clock in clocks:
        target = (
            policy.first_contact_minutes
            if clock.kind == SlaClock.Kind.FIRST_CONTACT
            else policy.resolution_minutes
        )
        old_due = clock.due_at
        clock.target_minutes = target
        # Finished pauses only: a pause still running is counted once, by clocks_resume,
        # from paused_at; a paused clock keeps the deadlines it would have had at paused_at.
        paused = clock.paused_seconds / 60
        clock.due_at = deadline_after(policy, clock.started_at, target + paused)
        clock.warn_at = deadline_after(
            policy, clock.started_at, warning_minutes(policy, target) + paused
        )
        old_paused_at = clock.paused_at
        pause = clock.paused_at or (waiting_since if clock.met_at is None else None)
        if pause is not None:
            # As clocks_pause would have decided at the start of the wait under this
            # policy: paused if the deadline was still ahead, else running, so the sweep
            # records the breach at the deadline (not at the resume, not met on time
            # while waiting). Decided from the wait itself, so recalculating again during
            # the same wait can pause a clock an earlier recalculation set running.
            clock.paused_at = pause if clock.due_at > pause else None
        moment = clock.met_at or clock.paused_at or now
        if clock.warned_at and clock.warn_at > moment:
            clock.warned_at = None
        if clock.breached_at and clock.due_at > moment:
            clock.breached_at = None
            clock.escalation_level = 0
        elif clock.breached_at:
            clock.breached_at = clock.due_at
        if clock.met_at is not None:
            clock.state = (
                SlaClock.State.BREACHED if clock.met_at > clock.due_at else SlaClock.State.MET
            )
            if clock.met_at > clock.due_at and clock.breached_at is None:
                clock.breached_at = clock.due_at
        elif clock.paused_at is not None:
            clock.state = SlaClock.State.PAUSED
        elif clock.breached_at:
            clock.state = SlaClock.State.BREACHED
        else:
            clock.state = SlaClock.State.AT_RISK if clock.warned_at else SlaClock.State.RUNNING
        if clock.met_at is None and clock.breached_at is None:
            clock.held_by_id = None  # undecided again: nobody holds an outcome yet
        elif clock.held_by_id is None:
            clock.held_by_id = ticket.assignee_id
        clock.next_check_at = next_check(clock, escalation_due=now if clock.breached_at else None)
        if clock.breached_at and ticket.is_open and clock.met_at is None:
            from sla.sweep import escalation_next

            clock.next_check_at = escalation_next(clock, policy)
        clock.save()
        change = {
            "clock": clock.kind,
            "old_due_at": old_due.isoformat(),
            "due_at": clock.due_at.isoformat(),
        }
        if clock.paused_at != old_paused_at:
            change["paused_at"] = clock.paused_at.isoformat() if clock.paused_at else None
        changes.append(change)
    ticket_sla_summary_refresh([ticket.pk])
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.NOTE,
        actor=by,
        data={
            "sla_recalculated": True,
            "old_policy": old_policy.pk if old_policy else None,
            "policy": policy.pk,
            "clocks": changes,
        },
        at=now,
    )
    return clocks


def _waiting_since(ticket: Ticket) -> dt.datetime | None:
    """When the ticket's current wait on the customer began (None when not waiting)."""
    if ticket.status != Status.WAITING_ON_CUSTOMER:
        return None
    return (
        ticket.events.filter(
            kind=TicketEvent.Kind.STATUS_CHANGED, data__to=Status.WAITING_ON_CUSTOMER
        )
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
