"""Recalculating a paused clock leaves it as if the new policy had applied from its start.

Each test runs the ticket under recalculation next to a reference ticket opened under the
new policy from the same moment, with the same pause and the same sweeps, and compares
their clocks; both in business time (Mon–Fri 09:00–18:00 Moscow) and in calendar time.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sla import clocks as sla_clocks
from sla.models import SlaClock
from sla.recalculate import sla_recalculate
from sla.sweep import sla_sweep
from tests.sla.factories import at, ticket_open
from tickets.models import Ticket

MSK = "Europe/Moscow"
pytestmark = pytest.mark.django_db

FIELDS = (
    "state",
    "target_minutes",
    "started_at",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
    "paused_at",
    "paused_seconds",
    "next_check_at",
)


def utc(hour: int, minute: int = 0) -> dt.datetime:
    """Tue 24 Nov 2026 in UTC: the calendar-time scenarios."""
    return dt.datetime(2026, 11, 24, hour, minute, tzinfo=dt.UTC)


def msk(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """November 2026 in Moscow: 20 is a Friday, 23 a Monday, 24 a Tuesday."""
    return at(MSK, 2026, 11, day, hour, minute)


# policy fixture, its first-contact target, and the moments of each scenario
BUSINESS = {"policy": "policy", "target": 240}  # 4 business hours, warn at 75 %
CALENDAR = {"policy": "policy_24x7", "target": 60}  # 60 minutes 24/7, warn at 75 %


def snapshot(ticket: Ticket, kind: str = "first_contact") -> dict:
    clock = SlaClock.objects.get(ticket=ticket, kind=kind)
    return {name: getattr(clock, name) for name in FIELDS}


def summary(ticket: Ticket) -> tuple:
    row = Ticket.objects.values_list("next_due_at", "sla_state").get(pk=ticket.pk)
    return tuple(row)


def first_contact_target_set(policy, minutes: int) -> None:
    policy.first_contact_minutes = minutes
    policy.save(update_fields=["first_contact_minutes"])


def both_opened(request, survey, source, setup: dict, start: dt.datetime, new_target: int):
    """The ticket to recalculate (old target) and the reference (new target from start)."""
    policy = request.getfixturevalue(setup["policy"])
    assert policy.first_contact_minutes == setup["target"]
    ticket = ticket_open(survey=survey, source=source, now=start)
    first_contact_target_set(policy, new_target)
    reference = ticket_open(survey=survey, source=source, now=start)
    return ticket, reference


@pytest.mark.parametrize(
    ("setup", "new_target", "moments", "due_after_resume", "paused_minutes"),
    [
        # Fri 17:00 start, paused Fri 17:30, recalculated on Saturday, resumed Mon 10:00:
        # 90 business minutes paused (30 on Friday, 60 on Monday).
        pytest.param(
            BUSINESS,
            120,
            (msk(20, 17), msk(20, 17, 30), msk(21, 12), msk(23, 10)),
            msk(23, 11, 30),  # 30 min used on Friday, 90 left from Mon 10:00
            90,
            id="business-shorter",
        ),
        pytest.param(
            BUSINESS,
            480,
            (msk(20, 17), msk(20, 17, 30), msk(21, 12), msk(23, 10)),
            msk(23, 17, 30),  # 450 min left from Mon 10:00
            90,
            id="business-longer",
        ),
        # 10:00 start, paused 10:10, recalculated 10:30, resumed 10:55: 45 minutes paused.
        pytest.param(
            CALENDAR,
            30,
            (utc(10), utc(10, 10), utc(10, 30), utc(10, 55)),
            utc(11, 15),
            45,
            id="calendar-shorter",
        ),
        pytest.param(
            CALENDAR,
            120,
            (utc(10), utc(10, 10), utc(10, 30), utc(10, 55)),
            utc(12, 45),
            45,
            id="calendar-longer",
        ),
    ],
)
def test_a_paused_clock_recalculated_then_resumed_counts_the_running_pause_once(
    request, survey, source, team, setup, new_target, moments, due_after_resume, paused_minutes
):
    start, paused, recalculated, resumed = moments
    ticket, reference = both_opened(request, survey, source, setup, start, new_target)
    for t in (ticket, reference):
        sla_clocks.clocks_pause(t, paused)

    sla_recalculate(ticket=ticket, now=recalculated)
    # Twice: a second recalculation during the same pause must not count it again.
    sla_recalculate(ticket=ticket, now=recalculated + dt.timedelta(minutes=5))

    for kind in ("first_contact", "resolution"):
        assert snapshot(ticket, kind) == snapshot(reference, kind)
    still = snapshot(ticket)
    assert (still["state"], still["paused_at"], still["next_check_at"]) == ("paused", paused, None)
    assert summary(ticket) == summary(reference) == (None, "")  # all paused: nothing due

    for t in (ticket, reference):
        sla_clocks.clocks_resume(t, resumed)

    for kind in ("first_contact", "resolution"):
        assert snapshot(ticket, kind) == snapshot(reference, kind)
    after = snapshot(ticket)
    assert after["due_at"] == due_after_resume
    assert (after["state"], after["paused_at"]) == ("running", None)
    assert after["paused_seconds"] == paused_minutes * 60
    assert after["next_check_at"] == after["warn_at"] > resumed
    assert summary(ticket) == summary(reference) == (due_after_resume, "running")


@pytest.mark.parametrize(
    ("setup", "new_target", "moments", "deadline"),
    [
        # Tue 09:00 start, due 13:00 under 4 hours; paused 11:00; 1 hour was due at 10:00.
        pytest.param(
            BUSINESS,
            60,
            (msk(24, 9), msk(24, 11), msk(24, 11, 30), msk(24, 11, 31), msk(24, 14)),
            msk(24, 10),
            id="business",
        ),
        # 10:00 start, due 11:00; paused 10:40; 30 minutes were due at 10:30.
        pytest.param(
            CALENDAR,
            30,
            (utc(10), utc(10, 40), utc(10, 50), utc(10, 51), utc(11, 30)),
            utc(10, 30),
            id="calendar",
        ),
    ],
)
def test_a_paused_clock_overdue_under_the_new_policy_runs_and_breaches_at_its_deadline(
    request, survey, source, team, setup, new_target, moments, deadline
):
    """clocks_pause leaves an overdue clock running; so does the recalculation."""
    start, paused, recalculated, swept, resumed = moments
    ticket, reference = both_opened(request, survey, source, setup, start, new_target)
    for t in (ticket, reference):
        sla_clocks.clocks_pause(t, paused)
    assert snapshot(ticket)["state"] == "paused"
    assert snapshot(reference)["state"] == "running"  # overdue at the pause: not paused

    sla_recalculate(ticket=ticket, now=recalculated)

    running = snapshot(ticket)
    assert (running["state"], running["paused_at"], running["due_at"]) == (
        "running",
        None,
        deadline,
    )
    assert running["next_check_at"] <= recalculated  # the next sweep records the breach
    assert summary(ticket) == summary(reference) == (deadline, "running")

    sla_sweep(now=swept)
    for t in (ticket, reference):
        sla_clocks.clocks_resume(t, resumed)

    for kind in ("first_contact", "resolution"):
        assert snapshot(ticket, kind) == snapshot(reference, kind)
    breached = snapshot(ticket)
    assert (breached["state"], breached["breached_at"]) == ("breached", deadline)
    assert summary(ticket) == summary(reference) == (deadline, "breached")


@pytest.mark.parametrize(
    ("setup", "new_target", "moments", "warning", "due_after_resume"),
    [
        # 140 business minutes from Tue 09:00: warn 10:45, due 11:20; paused 11:00 to
        # 14:00, so 20 minutes are left from 14:00.
        pytest.param(
            BUSINESS,
            140,
            (msk(24, 9), msk(24, 10, 50), msk(24, 11), msk(24, 11, 30), msk(24, 14)),
            msk(24, 10, 45),
            msk(24, 14, 20),
            id="business",
        ),
        # 48 minutes from 10:00: warn 10:36, due 10:48; paused 10:40 to 11:30.
        pytest.param(
            CALENDAR,
            48,
            (utc(10), utc(10, 37), utc(10, 40), utc(10, 45), utc(11, 30)),
            utc(10, 36),
            utc(11, 38),
            id="calendar",
        ),
    ],
)
def test_a_warning_point_passed_before_the_pause_is_recorded_at_its_moment(
    request, survey, source, team, setup, new_target, moments, warning, due_after_resume
):
    """Under the new policy the warning came before the pause: after the resume the sweep
    records it there, and the deadline is the reference's."""
    start, reference_swept, paused, recalculated, resumed = moments
    ticket, reference = both_opened(request, survey, source, setup, start, new_target)
    sla_sweep(now=reference_swept)  # warns the reference; the other is not due yet
    for t in (ticket, reference):
        sla_clocks.clocks_pause(t, paused)

    sla_recalculate(ticket=ticket, now=recalculated)
    waiting = snapshot(ticket)
    assert (waiting["state"], waiting["warn_at"], waiting["next_check_at"]) == (
        "paused",
        warning,
        None,
    )

    for t in (ticket, reference):
        sla_clocks.clocks_resume(t, resumed)
    sla_sweep(now=resumed + dt.timedelta(minutes=1))

    for kind in ("first_contact", "resolution"):
        assert snapshot(ticket, kind) == snapshot(reference, kind)
    warned = snapshot(ticket)
    assert (warned["state"], warned["warned_at"]) == ("at_risk", warning)
    assert warned["due_at"] == warned["next_check_at"] == due_after_resume
    assert summary(ticket) == summary(reference) == (due_after_resume, "at_risk")
    event = ticket.events.get(kind="sla_warning")
    assert event.at == warning


def test_a_clock_set_running_by_a_recalculation_pauses_again_when_a_later_one_undoes_it(
    request, survey, source, team, agent
):
    """A mistaken policy edit, recalculated, then reverted and recalculated again, all
    during one wait on the customer: the clock ends as if the edit never happened."""
    from sla.models import SlaPolicy
    from tickets.services.lifecycle import ticket_status_set

    start, waiting = utc(10), utc(10, 40)
    ticket, reference = both_opened(request, survey, source, CALENDAR, start, 60)
    for t in (ticket, reference):
        ticket_status_set(ticket=t, by=agent, status="in_progress", now=utc(10, 5))
        ticket_status_set(ticket=t, by=agent, status="waiting_on_customer", now=waiting)
    policy = SlaPolicy.objects.get(pk=ticket.sla_policy_id)

    first_contact_target_set(policy, 30)  # the mistake: overdue since 10:30
    sla_recalculate(ticket=ticket, now=utc(10, 50))
    assert snapshot(ticket)["state"] == "running"
    sla_sweep(now=utc(10, 51))
    assert snapshot(ticket)["breached_at"] == utc(10, 30)

    first_contact_target_set(policy, 60)  # undone
    sla_recalculate(ticket=ticket, now=utc(10, 55))
    for kind in ("first_contact", "resolution"):
        assert snapshot(ticket, kind) == snapshot(reference, kind)
    paused = snapshot(ticket)
    assert (paused["state"], paused["paused_at"], paused["breached_at"]) == (
        "paused",
        waiting,
        None,
    )

    for t in (ticket, reference):
        ticket_status_set(ticket=t, by=agent, status="in_progress", now=utc(11, 30))
    for kind in ("first_contact", "resolution"):
        assert snapshot(ticket, kind) == snapshot(reference, kind)
    assert snapshot(ticket)["due_at"] == utc(11, 50)  # 20 minutes were left at 10:40
    assert summary(ticket) == summary(reference)
