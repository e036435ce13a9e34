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
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from notifications.services import OutboxBatch, active_endpoints
from sla import clocks as sla_clocks
from sla import notify as sla_notify
from sla.models import EscalationLevel, SlaClock, SlaPolicy
from sla.outcomes import clock_breach, clock_warn
from tickets.events import event_record
from tickets.models import ContactAttempt, Ticket, TicketEvent

CALENDAR_TIME = SlaPolicy(name="24/7", first_contact_minutes=0, resolution_minutes=0)


@dataclass
class SweepResult:
    clocks_checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    callbacks: int = 0

    def __str__(self) -> str:
        return (
            f"checked {self.clocks_checked} clocks: {self.warnings} warnings, "
            f"{self.breaches} breaches, {self.escalations} escalations; "
            f"{self.callbacks} callback reminders"
        )


class PolicyCache:
    """Policies, their calendars' schedules and escalation levels, read once per sweep."""

    def __init__(self) -> None:
        self._policies: dict[int, SlaPolicy] = {}
        self._levels: dict[int, list[EscalationLevel]] = {}

    def policy(self, pk: int | None) -> SlaPolicy:
        if pk is None:
            return CALENDAR_TIME
        if pk not in self._policies:
            found = SlaPolicy.objects.select_related("calendar").filter(pk=pk).first()
            self._policies[pk] = found or CALENDAR_TIME
        return self._policies[pk]

    def levels(self, pk: int | None) -> list[EscalationLevel]:
        if pk is None:
            return []
        if pk not in self._levels:
            self._levels[pk] = list(
                EscalationLevel.objects.filter(policy_id=pk)
                .prefetch_related("notify_users")
                .order_by("level")
            )
        return self._levels[pk]


def escalation_next(
    clock: SlaClock, policy: SlaPolicy, levels: list[EscalationLevel] | None = None
) -> dt.datetime | None:
    """When the next escalation level of a breached clock fires; None when none is left."""
    if clock.breached_at is None:
        return None
    if levels is None:
        levels = PolicyCache().levels(policy.pk)
    for level in levels:
        if level.level > clock.escalation_level:
            return sla_clocks.deadline_after(policy, clock.breached_at, level.after_minutes)
    return None


def _escalate(
    clock: SlaClock,
    *,
    ticket: Ticket,
    level: EscalationLevel,
    at: dt.datetime,
    now: dt.datetime,
    outbox=None,
) -> None:
    manager = ticket.team.manager
    users = list(level.notify_users.all())
    if level.notify_manager and manager is not None:
        users.append(manager)
    data = {
        "clock": clock.kind,
        "level": level.level,
        "notified": sorted({u.pk for u in users}),
        "recorded_at": now.isoformat(),
    }
    if level.reassign_to_manager and manager is not None and ticket.assignee_id != manager.pk:
        data["reassigned"] = {"from": ticket.assignee_id, "to": manager.pk}
        Ticket.objects.filter(pk=ticket.pk).update(assignee=manager)
        ticket.assignee = manager
    event_record(ticket=ticket, kind=TicketEvent.Kind.ESCALATED, data=data, at=at, backdated=True)
    clock.escalation_level = level.level
    sla_notify.escalation_notify(clock, ticket, level=level.level, users=users, outbox=outbox)


def clock_check(
    clock: SlaClock,
    *,
    now: dt.datetime,
    policies: PolicyCache,
    result: SweepResult,
    outbox: OutboxBatch | None = None,
    escalated: set[int] | None = None,
) -> None:
    """Does whatever has come due for one locked clock and schedules its next check.
    The caller saves the clock (CHECKED_FIELDS) and writes the outbox batch."""
    ticket = clock.ticket
    result.clocks_checked += 1
    if clock.met_at is not None or clock.paused_at is not None:
        clock.next_check_at = None
        return
    if ticket.is_open:
        horizon = now
    else:  # finished tickets stop their clocks; what came due before is still recorded
        horizon = min(now, ticket.resolved_at or ticket.closed_at or now)
    policy = policies.policy(ticket.sla_policy_id)
    levels = policies.levels(ticket.sla_policy_id)
    breach_due = clock.breached_at is None and clock.due_at <= horizon
    if clock.warned_at is None and clock.breached_at is None and clock.warn_at <= horizon:
        clock_warn(clock, ticket=ticket, now=now, quiet=breach_due, outbox=outbox)
        result.warnings += 1
    if breach_due:
        clock_breach(clock, ticket=ticket, now=now, outbox=outbox, escalated=escalated)
        result.breaches += 1
    escalation_due = None
    if ticket.is_open and clock.breached_at is not None:
        for level in levels:
            if level.level <= clock.escalation_level:
                continue
            fires_at = sla_clocks.deadline_after(policy, clock.breached_at, level.after_minutes)
            if fires_at > now:
                escalation_due = fires_at
                break
            _escalate(
                clock,
                ticket=ticket,
                level=level,
                at=fires_at,
                now=now,
                outbox=outbox,
            )
            result.escalations += 1
    clock.next_check_at = sla_clocks.next_check(clock, escalation_due) if ticket.is_open else None
    if clock.next_check_at is not None and clock.next_check_at <= now:
        clock.next_check_at = None  # defensive: never loop on a clock within one sweep


CHECKED_FIELDS = [
    "state",
    "warned_at",
    "breached_at",
    "escalation_level",
    "next_check_at",
    "held_by",
]


def _clocks_save(clocks: list[SlaClock]) -> None:
    """Writes the checked fields of a batch in one statement."""
    if not clocks:
        return
    if connection.vendor != "postgresql":
        SlaClock.objects.bulk_update(clocks, CHECKED_FIELDS)
        return
    row = (
        "(%s::bigint, %s::varchar, %s::timestamptz, %s::timestamptz, %s::smallint, "
        "%s::timestamptz, %s::bigint)"
    )
    rows = ", ".join([row] * len(clocks))
    params = [
        value
        for clock in clocks
        for value in (
            clock.pk,
            clock.state,
            clock.warned_at,
            clock.breached_at,
            clock.escalation_level,
            clock.next_check_at,
            clock.held_by_id,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_slaclock AS c SET state = v.state, warned_at = v.warned_at, "
            "breached_at = v.breached_at, escalation_level = v.escalation_level, "
            "next_check_at = v.next_check_at, held_by_id = v.held_by_id "
            f"FROM (VALUES {rows}) AS v(id, state, warned_at, breached_at, escalation_level, "
            "next_check_at, held_by_id) WHERE c.id = v.id",
            params,
        )


TICKET_RELATED = (
    "ticket",
    "ticket__customer",
    "ticket__origin_response",
    "ticket__team",
    "ticket__team__manager",
    "ticket__assignee",
)


def _due_clocks(now: dt.datetime, batch_size: int) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_check_at__isnull=False, next_check_at__lte=now)
        .select_related(*TICKET_RELATED)
        .order_by("next_check_at")[:batch_size]
    )


def _tickets_lock(clocks: list[SlaClock]) -> set[int]:
    """Locks the batch's tickets, skipping those another transaction holds.

    The sweep writes the tickets (summary columns, escalation) after locking their clocks,
    while the services lock a ticket before its clocks: waiting here could deadlock with
    them, so a clock whose ticket is busy is left for the next round."""
    ids = {clock.ticket_id for clock in clocks}
    if not ids:
        return set()
    return set(
        Ticket.objects.select_for_update(skip_locked=True, no_key=True)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )


def _due_callbacks(now: dt.datetime, batch_size: int) -> list[ContactAttempt]:
    return list(
        ContactAttempt.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(callback_at__isnull=False, callback_reminded_at__isnull=True, callback_at__lte=now)
        .select_related(*TICKET_RELATED)
        .order_by("callback_at")[:batch_size]
    )


def callback_remind(attempt: ContactAttempt, *, now: dt.datetime, outbox=None) -> bool:
    """Reminds the assignee of a requested callback, once. False for finished tickets."""
    attempt.callback_reminded_at = now
    attempt.save(update_fields=["callback_reminded_at"])
    ticket = attempt.ticket
    if not ticket.is_open:
        return False
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.CALLBACK_DUE,
        data={"attempt": attempt.pk, "callback_at": attempt.callback_at.isoformat()},
        at=attempt.callback_at,
        backdated=True,
    )
    sla_notify.callback_notify(attempt, ticket, outbox=outbox)
    return True


def sla_sweep(*, now: dt.datetime | None = None, batch_size: int = 500) -> SweepResult:
    """Records every warning, breach, escalation and callback reminder that has come due."""
    now = now or timezone.now()
    result = SweepResult()
    policies = PolicyCache()
    endpoints = active_endpoints()
    while True:
        with transaction.atomic():
            outbox, escalated = OutboxBatch(endpoints), set()
            batch = _due_clocks(now, batch_size)
            free = _tickets_lock(batch)
            checked = [clock for clock in batch if clock.ticket_id in free]
            for clock in checked:
                clock_check(
                    clock,
                    now=now,
                    policies=policies,
                    result=result,
                    outbox=outbox,
                    escalated=escalated,
                )
            _clocks_save(checked)
            if escalated:
                Ticket.objects.filter(pk__in=escalated).update(escalated=True)
            sla_clocks.ticket_sla_summary_refresh(free)
            outbox.write()
        if len(batch) < batch_size or not checked:
            break
    while True:
        with transaction.atomic():
            outbox = OutboxBatch(endpoints)
            attempts = _due_callbacks(now, batch_size)
            for attempt in attempts:
                result.callbacks += callback_remind(attempt, now=now, outbox=outbox)
            outbox.write()
        if len(attempts) < batch_size:
            break
    return result
