"""Ticket.next_due_at / sla_state always equal what the ticket's clocks say.

The expectation is computed here in Python from the clock rows, independently of the SQL in
tickets.sla, and checked against the definitions the queue used before the columns existed
(a correlated subquery for the deadline, EXISTS per state), after every step of a ticket's
life: opened, warned and breached by the sweep, contacted, paused, resumed, resolved,
reopened, recalculated, escalated.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sla import recalculate as sla_recalculate_module
from sla.models import EscalationLevel, SlaClock
from sla.sweep import sla_sweep
from tests.sla.factories import ticket_open
from tests.threads import join_all, start_all
from tickets.models import Ticket
from tickets.queries import sla_state_q
from tickets.selectors import ticket_queue
from tickets.services import contacts, lifecycle, resolving

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
RANK = {"running": 1, "at_risk": 2, "breached": 3}


def expected(ticket_id: int) -> tuple[dt.datetime | None, str]:
    """From the clock rows: nearest deadline of a clock neither met nor paused, and the
    worst state of the unmet clocks (breached > at_risk > running, else '')."""
    clocks = list(SlaClock.objects.filter(ticket_id=ticket_id))
    counting = [c.due_at for c in clocks if c.met_at is None and c.paused_at is None]
    ranks = [RANK.get(c.state, 0) for c in clocks if c.met_at is None]
    worst = max(ranks, default=0)
    state = {rank: name for name, rank in RANK.items()}.get(worst, "")
    return min(counting, default=None), state


def before_columns():
    """The queue's definitions before the columns: per-ticket subqueries over the clocks."""
    next_due = Subquery(
        SlaClock.objects.filter(ticket=OuterRef("pk"), met_at__isnull=True, paused_at__isnull=True)
        .order_by("due_at")
        .values("due_at")[:1]
    )

    def exists(state):
        return Exists(
            SlaClock.objects.filter(ticket=OuterRef("pk"), state=state, met_at__isnull=True)
        )

    states = {
        "breached": Q(exists("breached")),
        "at_risk": Q(exists("at_risk")) & ~Q(exists("breached")),
        "running": Q(exists("running")) & ~Q(exists("at_risk")) & ~Q(exists("breached")),
    }
    return next_due, states


def assert_summaries_true() -> None:
    """Every ticket's stored columns equal the clocks, both ways of reading them."""
    next_due, states = before_columns()
    stored = {
        t.pk: (t.next_due_at, t.sla_state, t.old_due)
        for t in Ticket.objects.annotate(old_due=next_due)
    }
    assert stored, "no tickets"
    for pk, (due, state, old_due) in stored.items():
        assert (due, state) == expected(pk), f"ticket {pk}"
        assert due == old_due, f"ticket {pk}"
    for name, q in states.items():
        old = set(Ticket.objects.filter(q).values_list("pk", flat=True))
        new = set(Ticket.objects.filter(sla_state_q(name)).values_list("pk", flat=True))
        assert new == old, name


def summary(ticket: Ticket) -> tuple[dt.datetime | None, str]:
    ticket.refresh_from_db(fields=["next_due_at", "sla_state"])
    return ticket.next_due_at, ticket.sla_state


@pytest.fixture
def escalating(policy_24x7, manager):
    """24/7: first contact 60 min, resolution 240, warning at 75 %; escalate 30 min late."""
    EscalationLevel.objects.create(policy=policy_24x7, level=1, after_minutes=30)
    return policy_24x7


def test_summary_follows_the_clocks_through_a_ticket_life(survey, source, team, agent, escalating):
    def at(minutes: int) -> dt.datetime:
        return T0 + minutes * MIN

    def step(minutes: int):
        return time_machine.travel(at(minutes), tick=False)

    with step(0):
        ticket = ticket_open(survey=survey, source=source, now=at(0))
        bystander = ticket_open(survey=survey, source=source, now=at(0))
    assert summary(ticket) == (at(60), "running")
    assert_summaries_true()

    with step(45):
        assert sla_sweep(now=at(45)).warnings == 2  # first contact of both tickets
    assert summary(ticket) == (at(60), "at_risk")
    assert_summaries_true()

    with step(61):
        assert sla_sweep(now=at(61)).breaches == 2
    assert summary(ticket) == (at(60), "breached")
    assert_summaries_true()

    with step(95):  # first contact, late: that clock is done; resolution still runs
        contacts.contact_attempt_log(
            ticket=ticket, by=agent, channel="phone", outcome="reached", now=at(95)
        )
        assert sla_sweep(now=at(95)).escalations == 1  # the bystander's breach, 30 min on
    assert summary(ticket) == (at(240), "running")
    assert_summaries_true()

    with step(120):
        lifecycle.ticket_status_set(
            ticket=ticket, by=agent, status="waiting_on_customer", now=at(120)
        )
    assert summary(ticket) == (None, "")  # the only unmet clock is paused
    assert_summaries_true()

    with step(300):
        sla_sweep(now=at(300))  # a paused clock is not looked at
        lifecycle.ticket_status_set(ticket=ticket, by=agent, status="in_progress", now=at(300))
    # resolution resumes with the 120 minutes it had left
    assert summary(ticket) == (at(420), "running")
    assert_summaries_true()

    with step(400):
        assert sla_sweep(now=at(400)).warnings == 1  # warned at 360
    assert summary(ticket) == (at(420), "at_risk")
    assert_summaries_true()

    with step(410):
        resolving.ticket_resolve(ticket=ticket, by=agent, code="resolved_fixed", now=at(410))
    assert summary(ticket) == (None, "")
    assert_summaries_true()

    with step(500):
        lifecycle.ticket_reopen(ticket=ticket, by=agent, reason="wrote back", now=at(500))
    assert summary(ticket) == (at(740), "running")
    assert_summaries_true()

    escalating.resolution_minutes = 5
    escalating.save()
    with step(510):  # the new target is already past: the next sweep records the breach
        sla_recalculate_module.sla_recalculate(ticket=ticket, now=at(510))
    assert summary(ticket) == (at(505), "running")
    assert_summaries_true()

    with step(511):
        assert sla_sweep(now=at(511)).breaches == 1
    assert summary(ticket) == (at(505), "breached")
    assert_summaries_true()

    with step(520):  # waiting does not pause a breached clock
        lifecycle.ticket_status_set(
            ticket=ticket, by=agent, status="waiting_on_customer", now=at(520)
        )
    assert summary(ticket) == (at(505), "breached")
    assert summary(bystander) == (at(60), "breached")
    assert_summaries_true()


def test_sweep_refreshes_summaries_with_one_statement_per_batch(survey, source, team, policy_24x7):
    tickets = [ticket_open(survey=survey, source=source, now=T0) for _ in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        result = sla_sweep(now=T0 + 45 * MIN, batch_size=2)  # 5 clocks due: 3 batches
    updates = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("UPDATE tickets_ticket SET next_due_at")
    ]
    assert result.warnings == 5 and len(updates) == 3
    assert all(summary(t) == (T0 + 60 * MIN, "at_risk") for t in tickets)
    assert_summaries_true()


def test_a_stale_object_saved_whole_does_not_undo_the_summary(survey, source, team, policy_24x7):
    ticket = ticket_open(survey=survey, source=source, now=T0)
    stale = Ticket.objects.get(pk=ticket.pk)
    sla_sweep(now=T0 + 61 * MIN)
    stale.priority = "high"
    stale.save()  # e.g. the admin's change form, loaded before the sweep
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.sla_state) == ("high", "breached")
    assert_summaries_true()


def test_deleting_a_clock_in_the_admin_refreshes_its_ticket(
    survey, source, team, policy_24x7, admin_user
):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    ticket = ticket_open(survey=survey, source=source, now=T0)
    sla_sweep(now=T0 + 61 * MIN)  # first contact breached
    request = RequestFactory().post("/")
    request.user = admin_user
    site._registry[SlaClock].delete_queryset(
        request, SlaClock.objects.filter(ticket=ticket, kind="first_contact")
    )
    assert summary(ticket) == (T0 + 240 * MIN, "running")
    assert_summaries_true()


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_rebuild_command_repairs_what_was_written_behind_the_sla_code(
    survey, source, team, policy_24x7, english
):
    tickets = [ticket_open(survey=survey, source=source, now=T0) for _ in range(4)]
    sla_sweep(now=T0 + 45 * MIN)
    SlaClock.objects.filter(ticket=tickets[0]).update(state="breached")  # raw write
    Ticket.objects.filter(pk=tickets[1].pk).update(next_due_at=None, sla_state="")  # lost
    Ticket.objects.filter(pk=tickets[2].pk).update(next_due_at=None)  # only the deadline lost
    out = io.StringIO()
    call_command("sla_summary_rebuild", "--check", "--chunk", "3", stdout=out)
    assert out.getvalue().strip() == "4 tickets checked: 3 with a stale SLA summary"
    assert summary(tickets[0]) == (T0 + 60 * MIN, "at_risk")  # --check changes nothing

    out = io.StringIO()
    call_command("sla_summary_rebuild", "--chunk", "3", stdout=out)
    assert out.getvalue().strip() == "4 tickets checked: 3 SLA summaries repaired"
    assert summary(tickets[0]) == (T0 + 60 * MIN, "breached")
    assert summary(tickets[1]) == (T0 + 60 * MIN, "at_risk")
    assert summary(tickets[2]) == (T0 + 60 * MIN, "at_risk")
    assert_summaries_true()


def test_rebuild_fills_wiped_summaries_with_what_the_clocks_say(
    survey, source, team, agent, policy_24x7
):
    tickets = [ticket_open(survey=survey, source=source, now=T0) for _ in range(4)]
    sla_sweep(now=T0 + 45 * MIN)
    contacts.contact_attempt_log(
        ticket=tickets[1], by=agent, channel="phone", outcome="reached", now=T0 + 50 * MIN
    )
    lifecycle.ticket_status_set(
        ticket=tickets[2], by=agent, status="waiting_on_customer", now=T0 + 50 * MIN
    )
    resolving.ticket_resolve(ticket=tickets[3], by=agent, code="unreachable", now=T0 + 55 * MIN)
    Ticket.objects.update(next_due_at=None, sla_state="")  # e.g. restored from an old dump
    call_command("sla_summary_rebuild", stdout=io.StringIO())
    assert [summary(t) for t in tickets] == [
        (T0 + 60 * MIN, "at_risk"),
        (T0 + 240 * MIN, "running"),
        (None, ""),  # waiting: both clocks paused
        (T0 + 60 * MIN, "at_risk"),  # resolved unreached: first contact still counts
    ]
    assert_summaries_true()


def test_queue_order_and_sla_filter_match_the_subqueries_they_replace(
    survey, source, team, agent, manager, policy_24x7
):
    """A mixed queue: each ordering and SLA filter gives what the old queries gave."""
    now = T0 + 300 * MIN
    tickets = []
    for minutes in (0, 10, 20, 30, 40, 50, 60, 250, 270, 290):
        tickets.append(ticket_open(survey=survey, source=source, now=T0 + minutes * MIN))
    sla_sweep(now=now)  # some warned, some breached, some still running
    contacts.contact_attempt_log(
        ticket=tickets[0], by=agent, channel="phone", outcome="reached", now=now
    )
    lifecycle.ticket_status_set(
        ticket=tickets[9], by=agent, status="waiting_on_customer", now=now
    )  # all paused: no deadline, sorts last
    resolving.ticket_resolve(ticket=tickets[8], by=agent, code="unreachable", now=now)
    assert_summaries_true()

    next_due, states = before_columns()
    old_orderings = {  # tickets.selectors.ORDERINGS before the columns
        "due": (F("old_due").asc(nulls_last=True), "-priority_rank", "created_at"),
        "-due": (F("old_due").desc(nulls_last=True), "-created_at"),
    }
    old_queue = Ticket.objects.annotate(old_due=next_due)
    for key, fields in old_orderings.items():
        new = [t.pk for t in ticket_queue(user=manager, filters={"ordering": key})]
        old = list(old_queue.order_by(*fields).values_list("pk", flat=True))
        assert new == old and len(new) == len(tickets), key
    for name, q in states.items():
        new = [t.pk for t in ticket_queue(user=manager, filters={"sla": name})]
        old = list(old_queue.filter(q).order_by(*old_orderings["due"]).values_list("pk", flat=True))
        assert new == old and new, name


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweep_never_waits_for_a_ticket_an_agent_holds(survey, source, team, policy_24x7):
    """The services lock a ticket, then its clocks; the sweep locks clocks, then writes
    tickets. Were it to wait for a held ticket, the two could deadlock: instead it leaves
    that ticket's clocks for its next round."""
    import threading

    from django.db import transaction

    busy = ticket_open(survey=survey, source=source, now=T0)
    free = ticket_open(survey=survey, source=source, now=T0)
    held, release = threading.Event(), threading.Event()

    def agent_action():
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=busy.pk)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    (thread,) = start_all([agent_action])
    assert held.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait would fail the sweep
        result = sla_sweep(now=T0 + 45 * MIN)
    finally:
        release.set()
        join_all([thread], timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert result.warnings == 1
    assert summary(free) == (T0 + 60 * MIN, "at_risk")
    assert summary(busy) == (T0 + 60 * MIN, "running")
    assert sla_sweep(now=T0 + 45 * MIN).warnings == 1  # its turn, once released
    assert summary(busy) == (T0 + 60 * MIN, "at_risk")
    assert_summaries_true()
