"""SLA clocks of a ticket: start, meet, pause, resume, restart.

Deadlines are recorded on the clock rows so later policy edits do not rewrite history.
`next_check_at` is the indexed due column the periodic sweep reads.
"""

from __future__ import annotations

import datetime as dt

from tickets.models import SlaClock, SlaPolicy, SlaPolicyRule, Ticket


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific matching rule's policy, else the default policy."""
    best: tuple[int, int, SlaPolicy] | None = None
    rules = SlaPolicyRule.objects.select_related("policy").order_by("position", "id")
    survey_id = ticket.origin_response.survey_id
    segment = (ticket.customer.segment or "").lower()
    for rule in rules:
        if rule.survey_id and rule.survey_id != survey_id:
            continue
        if rule.segment and rule.segment.lower() != segment:
            continue
        if rule.priority and rule.priority != ticket.priority:
            continue
        specificity = bool(rule.survey_id) + bool(rule.segment) + bool(rule.priority)
        key = (specificity, -rule.position)
        if best is None or key > best[:2]:
            best = (*key, rule.policy)
    if best is not None:
        return best[2]
    return SlaPolicy.objects.filter(is_default=True).first()


def deadline_after(policy: SlaPolicy, start: dt.datetime, minutes: float) -> dt.datetime:
    """The moment `minutes` of the policy's time (business or calendar) after start."""
    if policy.calendar_id is None:
        return start + dt.timedelta(minutes=minutes)
    from tickets.calendar import business_deadline

    return business_deadline(policy.calendar, start, minutes)


def warning_minutes(policy: SlaPolicy, target: int) -> float:
    if policy.warning_lead_minutes is not None:
        return max(0, target - policy.warning_lead_minutes)
    return target * policy.warning_percent / 100


def clock_schedule(clock: SlaClock, policy: SlaPolicy, start: dt.datetime) -> None:
    clock.started_at = start
    clock.due_at = deadline_after(policy, start, clock.target_minutes)
    clock.warn_at = deadline_after(policy, start, warning_minutes(policy, clock.target_minutes))
    clock.state = SlaClock.State.RUNNING
    clock.warned_at = clock.breached_at = clock.met_at = clock.paused_at = None
    clock.paused_seconds = 0
    clock.escalation_level = 0
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
    return clocks


def clock_meet(ticket: Ticket, kind: str, at: dt.datetime) -> SlaClock | None:
    clock = ticket.clocks.select_for_update().filter(kind=kind).first()
    if clock is None or clock.met_at is not None:
        return clock
    clock.met_at = at
    if clock.state != SlaClock.State.BREACHED:
        clock.state = SlaClock.State.MET
    clock.next_check_at = None
    clock.paused_at = None
    clock.save()
    return clock


def _next_check(clock: SlaClock) -> dt.datetime | None:
    if clock.state in (SlaClock.State.MET, SlaClock.State.PAUSED) or clock.met_at:
        return None
    if clock.breached_at is None:
        return clock.due_at if clock.warned_at else clock.warn_at
    return None  # escalation levels after a breach are scheduled by the sweep


def clocks_pause(ticket: Ticket, at: dt.datetime) -> None:
    """waiting_on_customer: stop the running clocks."""
    for clock in ticket.clocks.select_for_update().filter(
        met_at__isnull=True, paused_at__isnull=True, breached_at__isnull=True
    ):
        clock.paused_at = at
        clock.state = SlaClock.State.PAUSED
        clock.next_check_at = None
        clock.save()


def clocks_resume(ticket: Ticket, at: dt.datetime) -> None:
    """Back from waiting: the paused time is added to the deadlines."""
    for clock in ticket.clocks.select_for_update().filter(paused_at__isnull=False):
        paused = max(at - clock.paused_at, dt.timedelta(0))
        clock.due_at += paused
        clock.warn_at += paused
        clock.paused_seconds += int(paused.total_seconds())
        clock.paused_at = None
        clock.state = SlaClock.State.AT_RISK if clock.warned_at else SlaClock.State.RUNNING
        clock.next_check_at = _next_check(clock)
        clock.save()


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
    return clock
