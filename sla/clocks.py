"""SLA clocks of a ticket: start, meet, pause, resume, restart (recalculate.py re-applies a
policy).

Deadlines are recorded on the clock rows so later policy edits do not rewrite history
(`sla_recalculate` does, when an admin asks). `next_check_at` is the indexed due column
the periodic sweep (sla/sweep.py) reads; every function here keeps it equal to the
next moment something must happen to the clock, or NULL when nothing will.

`paused_seconds` counts paused time in the policy's own time (business seconds for a
calendar policy), so due = started_at + target + paused, all in policy time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import connection

from sla.models import SlaClock, SlaPolicy, SlaPolicyRule
from sla.outcomes import clock_breach
from tickets.events import event_record
from tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

# --- the ticket's summary of its clocks (Ticket.next_due_at, Ticket.sla_state) ----------
# The queue sorts by the nearest running deadline and filters by the worst state without
# reading the clocks; these two expressions are the only definition of those values. Every
# function below that changes a clock calls ticket_sla_summary_refresh before returning.

# Earliest deadline among the clocks still counting (not met, not paused).
NEXT_DUE_SQL = """(
    SELECT MIN(c.due_at) FROM sla_slaclock c
    WHERE c.ticket_id = tickets_ticket.id AND c.met_at IS NULL AND c.paused_at IS NULL
)"""
# Worst state among the unmet clocks: breached > at_risk > running; '' otherwise (no unmet
# clock, or only paused ones).
SLA_STATE_SQL = """(
    SELECT CASE MAX(CASE c.state WHEN 'breached' THEN 3 WHEN 'at_risk' THEN 2
                                 WHEN 'running' THEN 1 ELSE 0 END)
           WHEN 3 THEN 'breached' WHEN 2 THEN 'at_risk' WHEN 1 THEN 'running' ELSE '' END
    FROM sla_slaclock c
    WHERE c.ticket_id = tickets_ticket.id AND c.met_at IS NULL
)"""
SUMMARY_UPDATE_SQL = (
    f"UPDATE tickets_ticket SET next_due_at = {NEXT_DUE_SQL}, sla_state = {SLA_STATE_SQL} "
    "WHERE {where}"
)
SUMMARY_CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit


def ticket_sla_summary_refresh(ticket_ids: Iterable[int]) -> int:
    """Recomputes next_due_at and sla_state of these tickets from their clock rows, in one
    UPDATE per 500 tickets. Call it after writing clocks, in the same transaction."""
    ids = sorted({int(pk) for pk in ticket_ids})
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), SUMMARY_CHUNK):
            chunk = ids[start : start + SUMMARY_CHUNK]
            where = f"id IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(SUMMARY_UPDATE_SQL.format(where=where), chunk)
            updated += cursor.rowcount
    return updated


def ticket_sla_summary_stale(first_id: int, last_id: int) -> list[int]:
    """Ids in [first_id, last_id] whose stored summary differs from their clocks."""
    sql = (
        "SELECT id FROM (SELECT id, next_due_at AS stored_due, sla_state AS stored_state, "
        f"{NEXT_DUE_SQL} AS due, {SLA_STATE_SQL} AS state FROM tickets_ticket "
        "WHERE id >= %s AND id <= %s) s "
        # null-safe on both databases: one side NULL is a difference too
        "WHERE stored_due <> due OR ((stored_due IS NULL) <> (due IS NULL)) "
        "OR stored_state <> state ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first_id, last_id])
        return [row[0] for row in cursor.fetchall()]


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific matching rule's policy (ties: lowest position), else the default."""
    best: tuple[int, int, int, SlaPolicy] | None = None
    rules = SlaPolicyRule.objects.select_related("policy").order_by("position", "id")
    survey_id = ticket.origin_response.survey_id
    segment = (ticket.customer.segment or "").strip().lower()
    for rule in rules:
        if rule.survey_id and rule.survey_id != survey_id:
            continue
        if rule.segment and rule.segment.strip().lower() != segment:
            continue
        if rule.priority and rule.priority != ticket.priority:
            continue
        specificity = bool(rule.survey_id) + bool(rule.segment) + bool(rule.priority)
        key = (specificity, -rule.position, -rule.pk)
        if best is None or key > best[:3]:
            best = (*key, rule.policy)
    if best is not None:
        return best[3]
    return SlaPolicy.objects.filter(is_default=True).first()


def _calendar(policy: SlaPolicy):
    """The policy's calendar, kept on the instance so its schedule is loaded once."""
    if policy.calendar_id is None:
        return None
    return policy.calendar


def deadline_after(policy: SlaPolicy, start: dt.datetime, minutes: float) -> dt.datetime:
    """The moment `minutes` of the policy's time (business or calendar) after start."""
    calendar = _calendar(policy)
    if calendar is None:
        return start + dt.timedelta(minutes=minutes)
    from sla.calendar import NoWorkingTime, business_deadline

    try:
        return business_deadline(calendar, start, minutes)
    except NoWorkingTime:
        log.error("calendar %s has no working time; counting calendar time", calendar.pk)
        return start + dt.timedelta(minutes=minutes)


def minutes_between(policy: SlaPolicy, start: dt.datetime, end: dt.datetime) -> float:
    """Minutes of the policy's time in [start, end)."""
    calendar = _calendar(policy)
    if calendar is None:
        return (end - start).total_seconds() / 60
    from sla.calendar import business_minutes_between

    return business_minutes_between(calendar, start, end)


def warning_minutes(policy: SlaPolicy, target: float) -> float:
    if policy.warning_lead_minutes is not None:
        return max(0, target - policy.warning_lead_minutes)
    return target * policy.warning_percent / 100


def next_check(clock: SlaClock, escalation_due: dt.datetime | None = None) -> dt.datetime | None:
    """When the sweep must look at the clock next; None when nothing more will happen."""
    if clock.met_at is not None or clock.paused_at is not None:
        return None
    if clock.breached_at is None:
        return clock.due_at if clock.warned_at else clock.warn_at
    return escalation_due


def clock_schedule(clock: SlaClock, policy: SlaPolicy, start: dt.datetime) -> None:
    clock.started_at = start
    clock.due_at = deadline_after(policy, start, clock.target_minutes)
    clock.warn_at = deadline_after(policy, start, warning_minutes(policy, clock.target_minutes))
    clock.state = SlaClock.State.RUNNING
    clock.warned_at = clock.breached_at = clock.met_at = clock.paused_at = None
    clock.paused_seconds = 0
    clock.escalation_level = 0
    clock.held_by_id, clock.logged_late = None, False
    clock.next_check_at = clock.warn_at


def clocks_start(ticket: Ticket, now: dt.datetime) -> list[SlaClock]:
    policy = policy_for(ticket)
    if policy is None:
        return []
    ticket.sla_policy = policy
    ticket.save(update_fields=["sla_policy"])
    clocks = []
    for kind, minutes in (
        (SlaClock.Kind.FIRST_CONTACT, policy.first_contact_minutes),
        (SlaClock.Kind.RESOLUTION, policy.resolution_minutes),
    ):
        clock = SlaClock(ticket=ticket, kind=kind, target_minutes=minutes)
        clock_schedule(clock, policy, now)
        clocks.append(clock)
    SlaClock.objects.bulk_create(clocks)
    ticket_sla_summary_refresh([ticket.pk])
    return clocks


def clock_meet(
    ticket: Ticket, kind: str, at: dt.datetime, *, now: dt.datetime | None = None
) -> SlaClock | None:
    """First contact or resolution happened at `at`, recorded at `now` (default: `at`).

    The outcome follows when the work happened: met by the deadline is met, even when it
    is recorded after the sweep flagged the breach; that breach is withdrawn on the
    timeline (notifications already sent stay sent) and the clock is marked logged_late.
    Met late is a breach, recorded here if the sweep had not recorded it yet (e.g. while
    the broker was down). held_by records who held the ticket; a breach keeps its holder.
    An earlier `at` than the recorded one (a backdated attempt) moves met_at back."""
    now = now or at
    clock = ticket.clocks.select_for_update().filter(kind=kind).first()
    if clock is None or (clock.met_at is not None and clock.met_at <= at):
        return clock
    already_met = clock.met_at is not None
    if already_met and clock.breached_at is None:
        # met on time before: only the time moves back, logged as it was
        clock.met_at = at
        clock.save(update_fields=["met_at"])
        return clock
    if already_met:
        late = at > clock.due_at
    else:
        # A paused clock had time left when it paused (clocks_pause) and none has run since.
        late = clock.paused_at is None and at > clock.due_at
    clock.met_at = at
    clock.paused_at = None
    clock.next_check_at = None
    if late:
        if clock.breached_at is None:
            clock_breach(clock, ticket=ticket, now=at)
    else:
        if clock.breached_at is not None:
            clock_breach_withdraw(clock, ticket=ticket, at=at, now=now)
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.SLA_MET,
            data={"clock": clock.kind, "due_at": clock.due_at.isoformat()},
            at=at,
            backdated=True,
        )
        clock.logged_late = now > clock.due_at
        clock.held_by_id = ticket.assignee_id
    clock.state = SlaClock.State.BREACHED if clock.breached_at else SlaClock.State.MET
    clock.save()
    ticket_sla_summary_refresh([ticket.pk])
    return clock


def clock_breach_withdraw(
    clock: SlaClock, *, ticket: Ticket, at: dt.datetime, now: dt.datetime
) -> None:
    """The work happened by the deadline but was recorded after the breach: the breach
    goes, its record on the timeline stays, followed by this withdrawal (recorded now)."""
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA_BREACH_WITHDRAWN,
        data={
            "clock": clock.kind,
            "due_at": clock.due_at.isoformat(),
            "done_at": at.isoformat(),
            "breached_at": clock.breached_at.isoformat(),
            "recorded_at": now.isoformat(),
        },
        at=now,
    )
    clock.breached_at = None
    clock.held_by_id = None
    still_breached = ticket.clocks.exclude(pk=clock.pk).filter(breached_at__isnull=False)
    if ticket.escalated and clock.escalation_level == 0 and not still_breached.exists():
        Ticket.objects.filter(pk=ticket.pk).update(escalated=False)
        ticket.escalated = False


# Outcomes that count as having reached the customer under a "reached" policy.
REACHED_OUTCOMES = frozenset({"reached", "callback_requested"})


def contact_meets_first_contact(policy: SlaPolicy | None, outcome: str) -> bool:
    """The policy's choice: any attempt meets first contact (the default), or only one that
    reached the customer; then failed attempts keep the clock running."""
    if policy is not None and policy.first_contact_meets == SlaPolicy.FirstContactMeets.REACHED:
        return outcome in REACHED_OUTCOMES
    return True


def clocks_pause(ticket: Ticket, at: dt.datetime) -> None:
    """waiting_on_customer: stop the running clocks. A clock already past its deadline
    keeps running so the sweep records the breach."""
    changed = False
    for clock in ticket.clocks.select_for_update().filter(
        met_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True, due_at__gt=at
    ):
        clock.paused_at = at
        clock.state = SlaClock.State.PAUSED
        clock.next_check_at = None
        clock.save()
        changed = True
    if changed:
        ticket_sla_summary_refresh([ticket.pk])


def clocks_resume(ticket: Ticket, at: dt.datetime) -> None:
    """Back from waiting: the business minutes left at the pause are left again now. A
    warning point that had passed by the pause (the sweep had not recorded it yet, or a
    recalculation moved it there) stays at its moment: the next sweep records it there."""
    policy = ticket.sla_policy
    changed = False
    for clock in ticket.clocks.select_for_update().filter(paused_at__isnull=False):
        resumed = max(at, clock.paused_at)
        warning_ahead = clock.warned_at is None and clock.warn_at > clock.paused_at
        if policy is None:
            shift = resumed - clock.paused_at
            clock.due_at += shift
            if warning_ahead:
                clock.warn_at += shift
            paused_minutes = shift.total_seconds() / 60
        else:
            left = max(minutes_between(policy, clock.paused_at, clock.due_at), 0)
            clock.due_at = deadline_after(policy, resumed, left)
            if warning_ahead:
                warn_left = max(minutes_between(policy, clock.paused_at, clock.warn_at), 0)
                clock.warn_at = deadline_after(policy, resumed, warn_left)
            paused_minutes = minutes_between(policy, clock.paused_at, resumed)
        clock.paused_seconds += max(round(paused_minutes * 60), 0)
        clock.paused_at = None
        clock.state = SlaClock.State.AT_RISK if clock.warned_at else SlaClock.State.RUNNING
        clock.next_check_at = next_check(clock)
        clock.save()
        changed = True
    if changed:
        ticket_sla_summary_refresh([ticket.pk])


def resolution_clock_restart(ticket: Ticket, at: dt.datetime) -> SlaClock | None:
    """Reopen: a new resolution clock from now, under the policy recorded on the ticket."""
    policy = ticket.sla_policy
    if policy is None:
        return None
    clock = ticket.clocks.select_for_update().filter(kind=SlaClock.Kind.RESOLUTION).first()
    if clock is None:
        clock = SlaClock(ticket=ticket, kind=SlaClock.Kind.RESOLUTION)
    clock.target_minutes = policy.resolution_minutes
    clock_schedule(clock, policy, at)
    clock.save()
    ticket_sla_summary_refresh([ticket.pk])
    return clock
