"""What an SLA badge says: which clock, its state, and by how much.

One definition for the queue, the dashboard and the ticket page (as Zendesk and Zammad
show "first reply: 2 h left" or "resolution: 35 min overdue"). Reads prefetched clocks
only, so a list of badges costs no query per row.
"""

from __future__ import annotations

import datetime as dt
import math

from sla.models import SlaClock


def _minutes(delta: dt.timedelta) -> int:
    """Whole minutes, rounded towards the deadline side a reader expects: 30 s left is
    0 minutes left, 30 s overdue is 1 minute overdue."""
    return math.floor(delta.total_seconds() / 60)


def clock_badge_data(clock: SlaClock, now: dt.datetime) -> dict:
    """{"clock", "label", "state", "delta_minutes", "due_at"}.

    delta_minutes = due_at − (met_at, paused_at or now): positive is time left (or met that
    much early), negative is overdue (or met that late). A deadline passed that the sweep
    has not marked yet reads as breached already."""
    if clock.met_at is not None:
        state = SlaClock.State.BREACHED if clock.breached_at else SlaClock.State.MET
        if clock.breached_at is None and clock.met_at > clock.due_at:
            state = SlaClock.State.BREACHED
        reference = clock.met_at
    elif clock.paused_at is not None:
        state, reference = SlaClock.State.PAUSED, clock.paused_at
    else:
        reference = now
        if clock.breached_at is not None or clock.due_at <= now:
            state = SlaClock.State.BREACHED
        elif clock.warned_at is not None or clock.warn_at <= now:
            state = SlaClock.State.AT_RISK
        else:
            state = SlaClock.State.RUNNING
    return {
        "clock": clock.kind,
        "label": str(SlaClock.Kind(clock.kind).label),
        "state": str(state),
        "delta_minutes": _minutes(clock.due_at - reference),
        "due_at": clock.due_at,
    }


def ticket_badge_data(clocks: list[SlaClock], now: dt.datetime) -> dict | None:
    """The badge of the clock that matters now: the unmet, unpaused clock with the nearest
    deadline; else a paused one; None when every clock is met (or there is none)."""
    running = [c for c in clocks if c.met_at is None and c.paused_at is None]
    if running:
        return clock_badge_data(min(running, key=lambda c: c.due_at), now)
    paused = [c for c in clocks if c.met_at is None]
    if paused:
        return clock_badge_data(min(paused, key=lambda c: c.due_at), now)
    return None
