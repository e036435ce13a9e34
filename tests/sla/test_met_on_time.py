"""A clock's outcome follows when the work happened, and who held the ticket then.

Work done by the deadline but recorded after the sweep flagged the breach is met on time:
the breach is withdrawn on the timeline, the clock is marked logged_late (a figure the
reports count), and the notifications already sent stay sent. A breach stays with whoever
held the ticket when it happened, whoever takes the ticket over."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import User
from notifications.models import Delivery
from reports.selectors import Period
from reports.sla_selectors import TicketScope, sla_report
from sla.models import SlaClock
from sla.sweep import sla_sweep
from tests.sla.factories import ticket_open
from tickets.exceptions import TicketActionError
from tickets.models import Ticket, TicketEvent
from tickets.services import assignment, contacts, resolving

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # policy_24x7: contact 60, resolution 240


def minutes(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def clock(ticket, kind="first_contact") -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, kind=kind)


@pytest.fixture
def held(survey, source, team, agent, manager, policy_24x7):
    ticket = ticket_open(survey=survey, source=source, now=T0)
    assignment.ticket_assign(ticket=ticket, by=manager, assignee=agent, now=minutes(1))
    return ticket


def test_on_time_contact_logged_after_the_breach_is_met_and_the_breach_withdrawn(held, agent):
    sla_sweep(now=minutes(90))
    assert clock(held).state == "breached"
    sent = Delivery.objects.filter(topic="sla.breached").count()
    assert sent > 0

    contacts.contact_attempt_log(
        ticket=held,
        by=agent,
        channel="phone",
        outcome="no_answer",
        occurred_at=minutes(30),
        now=minutes(120),
    )

    first = clock(held)
    assert (first.state, first.breached_at, first.met_at) == ("met", None, minutes(30))
    assert first.logged_late is True
    assert first.held_by == agent
    withdrawn = held.events.get(kind=TicketEvent.Kind.SLA_BREACH_WITHDRAWN)
    assert withdrawn.at == minutes(120)
    assert withdrawn.data["done_at"] == minutes(30).isoformat()
    assert withdrawn.data["clock"] == "first_contact"
    # the breach stays on the record; what was sent stays sent
    assert held.events.filter(kind=TicketEvent.Kind.SLA_BREACHED).count() == 1
    assert Delivery.objects.filter(topic="sla.breached").count() == sent
    assert Ticket.objects.get(pk=held.pk).sla_state == "running"  # the resolution clock
    report = sla_report(scope=TicketScope(), period=Period(), now=minutes(120))
    assert report["first_contact"]["met"] == 1
    assert report["first_contact"]["breached"] == 0
    assert report["first_contact"]["logged_late"] == 1


def test_on_time_contact_logged_late_before_the_sweep_is_marked_logged_late(held, agent):
    contacts.contact_attempt_log(
        ticket=held,
        by=agent,
        channel="phone",
        outcome="reached",
        occurred_at=minutes(50),
        now=minutes(75),
    )
    first = clock(held)
    assert (first.state, first.breached_at, first.logged_late) == ("met", None, True)
    assert not held.events.filter(kind=TicketEvent.Kind.SLA_BREACH_WITHDRAWN).exists()


def test_contact_recorded_in_time_is_not_logged_late(held, agent):
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(20)
    )
    assert (clock(held).state, clock(held).logged_late) == ("met", False)


def test_late_contact_stays_breached(held, agent):
    sla_sweep(now=minutes(90))
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(95)
    )
    first = clock(held)
    assert (first.state, first.met_at, first.logged_late) == ("breached", minutes(95), False)
    assert not held.events.filter(kind=TicketEvent.Kind.SLA_BREACH_WITHDRAWN).exists()


def test_backdated_attempt_before_a_late_one_withdraws_the_breach(held, agent):
    """The later-recorded attempt happened first: the clock is met by it."""
    sla_sweep(now=minutes(90))
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="no_answer", now=minutes(95)
    )
    assert clock(held).state == "breached"
    contacts.contact_attempt_log(
        ticket=held,
        by=agent,
        channel="phone",
        outcome="no_answer",
        occurred_at=minutes(40),
        now=minutes(100),
    )
    first = clock(held)
    assert (first.state, first.met_at, first.breached_at) == ("met", minutes(40), None)
    assert Ticket.objects.get(pk=held.pk).first_contacted_at == minutes(40)


def test_resolution_done_on_time_and_logged_after_the_breach_is_met(held, agent):
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(10)
    )
    sla_sweep(now=minutes(250))
    assert clock(held, "resolution").state == "breached"
    resolving.ticket_resolve(
        ticket=held, by=agent, code="resolved_fixed", resolved_at=minutes(200), now=minutes(260)
    )
    resolution = clock(held, "resolution")
    assert (resolution.state, resolution.breached_at) == ("met", None)
    assert (resolution.met_at, resolution.logged_late) == (minutes(200), True)
    assert Ticket.objects.get(pk=held.pk).resolved_at == minutes(200)
    assert held.events.filter(
        kind=TicketEvent.Kind.SLA_BREACH_WITHDRAWN, data__clock="resolution"
    ).exists()


def test_resolution_time_cannot_be_in_the_future_or_before_the_ticket(held, agent):
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(10)
    )
    for when in (minutes(30), T0 - dt.timedelta(hours=1)):
        with pytest.raises(TicketActionError) as error:
            resolving.ticket_resolve(
                ticket=held, by=agent, code="resolved_fixed", resolved_at=when, now=minutes(20)
            )
        assert error.value.field == "resolved_at"


def test_a_breach_stays_with_whoever_held_the_ticket(held, agent, manager, team):
    colleague = User.objects.create(username="colleague", email="colleague@example.com")
    team.members.add(colleague)
    sla_sweep(now=minutes(90))  # first contact breached while `agent` held it
    assignment.ticket_assign(ticket=held, by=manager, assignee=colleague, now=minutes(95))
    contacts.contact_attempt_log(
        ticket=held, by=colleague, channel="phone", outcome="reached", now=minutes(100)
    )
    first = clock(held)
    assert (first.state, first.held_by) == ("breached", agent)

    report = sla_report(scope=TicketScope(), period=Period(), now=minutes(100), by_assignee=True)
    assert report["by_assignee"][agent.pk] == {"met": 0, "breached": 1}
    assert colleague.pk not in report["by_assignee"]  # the resolution clock still runs


def test_a_met_clock_counts_for_its_holder_at_the_time(held, agent, manager, team):
    colleague = User.objects.create(username="colleague", email="colleague@example.com")
    team.members.add(colleague)
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(10)
    )
    assignment.ticket_assign(ticket=held, by=manager, assignee=colleague, now=minutes(15))
    assert clock(held).held_by == agent
    report = sla_report(scope=TicketScope(), period=Period(), now=minutes(20), by_assignee=True)
    assert report["by_assignee"] == {agent.pk: {"met": 1, "breached": 0}}


def test_the_withdrawal_reads_as_a_sentence_in_the_viewers_zone_and_language(held, agent):
    from django.utils import timezone, translation

    sla_sweep(now=minutes(90))
    contacts.contact_attempt_log(
        ticket=held,
        by=agent,
        channel="phone",
        outcome="reached",
        occurred_at=minutes(30),
        now=minutes(120),
    )
    event = held.events.get(kind=TicketEvent.Kind.SLA_BREACH_WITHDRAWN)
    with timezone.override("Europe/Moscow"):
        with translation.override("en"):
            assert event.breach_withdrawn_text() == (
                "First contact at 12:30 was logged after the deadline (13:00): "
                "met on time, breach withdrawn."
            )
        with translation.override("ru"):
            assert event.breach_withdrawn_text().startswith(
                "Первый контакт в 12:30 записан после срока (13:00)"
            )


def test_reopening_starts_a_resolution_clock_with_no_holder_or_mark(held, agent):
    from tickets.services import lifecycle

    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(10)
    )
    sla_sweep(now=minutes(250))
    resolving.ticket_resolve(
        ticket=held, by=agent, code="resolved_fixed", resolved_at=minutes(200), now=minutes(260)
    )
    assert clock(held, "resolution").logged_late is True
    lifecycle.ticket_reopen(ticket=held, by=agent, reason="Still broken", now=minutes(300))
    resolution = clock(held, "resolution")
    assert (resolution.state, resolution.logged_late, resolution.held_by) == (
        "running",
        False,
        None,
    )


def test_an_earlier_attempt_logged_later_does_not_mark_an_on_time_clock_logged_late(held, agent):
    contacts.contact_attempt_log(
        ticket=held, by=agent, channel="phone", outcome="reached", now=minutes(40)
    )
    contacts.contact_attempt_log(
        ticket=held,
        by=agent,
        channel="phone",
        outcome="no_answer",
        occurred_at=minutes(20),
        now=minutes(90),
    )
    first = clock(held)
    assert (first.state, first.met_at, first.logged_late) == ("met", minutes(20), False)
    assert held.events.filter(kind=TicketEvent.Kind.SLA_MET).count() == 1
