"""Clocks of a ticket: policy choice, deadlines recorded, pause/resume, meet, reopen."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Delivery
from sla import clocks as sla_clocks
from sla import recalculate as sla_recalculate_module
from sla.defaults import FAST_POLICY, STANDARD_POLICY, install_default_sla
from sla.models import SlaClock, SlaPolicyRule
from tests.sla.factories import at, calendar_make, policy_make, ticket_open
from tickets.models import Priority, TicketEvent

MSK = "Europe/Moscow"
pytestmark = pytest.mark.django_db


def clock(ticket, kind="first_contact") -> SlaClock:
    return ticket.clocks.get(kind=kind)


def test_new_ticket_records_policy_and_business_deadlines(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 20, 17, 50))
    assert ticket.sla_policy == policy
    first = clock(ticket)
    assert first.state == "running"
    assert first.due_at == at(MSK, 2026, 11, 23, 12, 50)
    assert first.warn_at == at(MSK, 2026, 11, 23, 11, 50)  # 75 % of 240 = 180 min
    assert first.next_check_at == first.warn_at
    # 16 business hours: 10 min Friday, 9h Monday, 6h50 Tuesday.
    assert clock(ticket, "resolution").due_at == at(MSK, 2026, 11, 24, 15, 50)


def test_fixed_lead_time_warning(survey, source, team, moscow):
    policy_make(calendar=moscow, first_contact=240, resolution=960, lead=30)
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    assert clock(ticket).warn_at == at(MSK, 2026, 11, 24, 12, 30)


def test_policy_edits_do_not_rewrite_history_until_recalculated(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    policy.first_contact_minutes = 60
    policy.save()
    assert clock(ticket).due_at == at(MSK, 2026, 11, 24, 13, 0)
    sla_recalculate_module.sla_recalculate(ticket=ticket, now=at(MSK, 2026, 11, 24, 9, 30))
    first = clock(ticket)
    assert first.target_minutes == 60
    assert first.due_at == at(MSK, 2026, 11, 24, 10, 0)
    assert first.warn_at == at(MSK, 2026, 11, 24, 9, 45)
    note = ticket.events.get(kind=TicketEvent.Kind.NOTE)
    assert note.data["sla_recalculated"] is True


def test_recalculation_can_clear_a_breach_that_no_longer_holds(survey, source, team, policy):
    from sla.sweep import sla_sweep

    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_sweep(now=at(MSK, 2026, 11, 24, 13, 30))
    assert clock(ticket).state == "breached"
    policy.first_contact_minutes = 8 * 60
    policy.save()
    sla_recalculate_module.sla_recalculate(ticket=ticket, now=at(MSK, 2026, 11, 24, 13, 31))
    first = clock(ticket)
    assert (first.state, first.breached_at, first.warned_at) == ("running", None, None)
    assert first.next_check_at == at(MSK, 2026, 11, 24, 15, 0)


def test_policy_rules_most_specific_wins(survey, source, team, db):
    default = policy_make(first_contact=240, default=True)
    enterprise = policy_make(first_contact=60, default=False)
    enterprise_high = policy_make(first_contact=30, default=False)
    this_survey = policy_make(first_contact=120, default=False)
    SlaPolicyRule.objects.create(policy=enterprise, position=1, segment="Enterprise")
    SlaPolicyRule.objects.create(
        policy=enterprise_high, position=2, segment="enterprise", priority=Priority.HIGH
    )
    SlaPolicyRule.objects.create(policy=this_survey, position=0, survey=survey)
    now = at(MSK, 2026, 11, 24, 9, 0)

    smb = ticket_open(survey=survey, source=source, now=now, segment="smb")
    assert smb.sla_policy == this_survey  # only the survey rule matches
    big = ticket_open(survey=survey, source=source, now=now, segment="enterprise")
    # survey rule and segment rule both have one condition: the lower position wins
    assert big.sla_policy == this_survey
    big.priority = Priority.HIGH
    assert sla_clocks.policy_for(big) == enterprise_high  # two conditions beat one
    SlaPolicyRule.objects.filter(policy=this_survey).delete()
    assert sla_clocks.policy_for(smb) == default
    big.priority = Priority.NORMAL
    assert sla_clocks.policy_for(big) == enterprise


def test_install_default_sla_is_idempotent_and_picks_the_fast_policy(survey, source, team):
    first = install_default_sla()
    counts = [m.objects.count() for m in (type(first["calendar"]), type(first["fast"]))]
    second = install_default_sla()
    assert [m.objects.count() for m in (type(first["calendar"]), type(first["fast"]))] == counts
    assert second["fast"].pk == first["fast"].pk
    assert SlaPolicyRule.objects.count() == 3
    now = at(MSK, 2026, 11, 20, 17, 50)
    ordinary = ticket_open(survey=survey, source=source, now=now, segment="smb")
    vip = ticket_open(survey=survey, source=source, now=now, segment="enterprise")
    assert ordinary.sla_policy.name == STANDARD_POLICY
    assert vip.sla_policy.name == FAST_POLICY
    assert clock(vip).due_at == at(MSK, 2026, 11, 23, 9, 20)
    assert clock(ordinary).due_at == at(MSK, 2026, 11, 23, 12, 50)
    assert clock(ordinary, "resolution").target_minutes == 16 * 60


def test_pause_and_resume_across_a_weekend_keep_business_minutes(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 20, 17, 0))
    assert clock(ticket).due_at == at(MSK, 2026, 11, 23, 12, 0)
    sla_clocks.clocks_pause(ticket, at(MSK, 2026, 11, 20, 17, 30))  # 210 business minutes left
    paused = clock(ticket)
    assert (paused.state, paused.next_check_at) == ("paused", None)
    sla_clocks.clocks_resume(ticket, at(MSK, 2026, 11, 23, 10, 0))  # 90 business minutes paused
    resumed = clock(ticket)
    assert resumed.state == "running"
    assert resumed.due_at == at(MSK, 2026, 11, 23, 13, 30)
    assert resumed.warn_at == at(MSK, 2026, 11, 23, 12, 30)
    assert resumed.next_check_at == resumed.warn_at
    assert resumed.paused_seconds == 90 * 60
    # Resolution: 16h from Fri 17:00 is Tue 15:00, plus the 90 paused minutes.
    assert clock(ticket, "resolution").due_at == at(MSK, 2026, 11, 24, 16, 30)


def test_pause_in_calendar_time_policy_adds_the_paused_time(survey, source, team, policy_24x7):
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    ticket = ticket_open(survey=survey, source=source, now=start)
    sla_clocks.clocks_pause(ticket, start + dt.timedelta(minutes=10))
    sla_clocks.clocks_resume(ticket, start + dt.timedelta(minutes=55))
    assert clock(ticket).due_at == start + dt.timedelta(minutes=105)
    assert clock(ticket).paused_seconds == 45 * 60


def test_pause_leaves_an_overdue_clock_for_the_sweep(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_clocks.clocks_pause(ticket, at(MSK, 2026, 11, 24, 14, 0))
    assert clock(ticket).state == "running"  # past due: the sweep records the breach
    assert clock(ticket, "resolution").state == "paused"


def test_meet_on_time_and_meet_late(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    met = sla_clocks.clock_meet(ticket, "first_contact", at(MSK, 2026, 11, 24, 10, 0))
    assert (met.state, met.next_check_at) == ("met", None)
    assert ticket.events.filter(kind="sla_met").count() == 1
    # Resolution met late with no sweep in between (broker down): the breach is recorded.
    late = sla_clocks.clock_meet(ticket, "resolution", at(MSK, 2026, 11, 27, 10, 0))
    assert late.state == "breached"
    assert late.breached_at == late.due_at
    breach = ticket.events.get(kind="sla_breached")
    assert breach.at == late.due_at
    assert Delivery.objects.filter(topic="sla.breached", recipient="manager@example.com").exists()
    sla_clocks.clock_meet(ticket, "resolution", at(MSK, 2026, 11, 27, 11, 0))
    assert ticket.events.filter(kind="sla_breached").count() == 1


def test_reopen_starts_a_new_resolution_clock(survey, source, team, policy):
    from sla.sweep import sla_sweep

    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_sweep(now=at(MSK, 2026, 11, 25, 12, 30))  # resolution warned at Wed 12:00
    sla_clocks.clock_meet(ticket, "resolution", at(MSK, 2026, 11, 25, 13, 0))
    restarted = sla_clocks.resolution_clock_restart(ticket, at(MSK, 2026, 11, 25, 17, 0))
    assert restarted.state == "running"
    assert (restarted.met_at, restarted.warned_at) == (None, None)
    assert restarted.started_at == at(MSK, 2026, 11, 25, 17, 0)
    assert restarted.due_at == at(MSK, 2026, 11, 27, 15, 0)  # 1h Wed, 9h Thu, 6h Fri
    assert clock(ticket, "resolution").pk == restarted.pk
    # The new run warns again (its own event key), and only once.
    sla_sweep(now=at(MSK, 2026, 11, 27, 12, 0))
    sla_sweep(now=at(MSK, 2026, 11, 27, 12, 1))
    warnings = Delivery.objects.filter(
        topic="sla.warning",
        recipient="agent@example.com",
        event_key__startswith=f"sla:{restarted.pk}:",
    )
    assert warnings.count() == 2
    assert ticket.events.filter(kind="sla_warning", data__clock="resolution").count() == 2


def test_clock_summary_has_the_contract_shape(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_clocks.clock_meet(ticket, "first_contact", at(MSK, 2026, 11, 24, 9, 5))
    summary = clock(ticket).summary()
    assert summary == {
        "due_at": "2026-11-24T10:00:00Z",
        "state": "met",
        "met_at": "2026-11-24T06:05:00Z",
        "breached_at": None,
    }


def test_calendar_without_hours_falls_back_to_calendar_time(survey, source, team):
    empty = calendar_make(days=())
    policy_make(calendar=empty, first_contact=30)
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    ticket = ticket_open(survey=survey, source=source, now=start)
    assert clock(ticket).due_at == start + dt.timedelta(minutes=30)


def test_admin_action_recalculates_open_tickets_of_edited_policies(
    survey, source, team, policy, admin_user
):
    from django.contrib.admin.sites import AdminSite
    from django.test import RequestFactory

    from sla.admin import SlaPolicyAdmin
    from sla.admin_actions import sla_recalculate_policy_tickets
    from sla.models import SlaPolicy

    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    SlaPolicy.objects.filter(pk=policy.pk).update(first_contact_minutes=120)
    request = RequestFactory().post("/")
    request.user = admin_user
    model_admin = SlaPolicyAdmin(SlaPolicy, AdminSite())
    model_admin.message_user = lambda *args, **kwargs: None
    sla_recalculate_policy_tickets(model_admin, request, SlaPolicy.objects.all())
    assert clock(ticket).due_at == at(MSK, 2026, 11, 24, 11, 0)
    assert ticket.events.get(kind="note").actor == admin_user


def test_resolving_while_waiting_on_the_customer_is_on_time(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_clocks.clock_meet(ticket, "first_contact", at(MSK, 2026, 11, 24, 9, 30))
    sla_clocks.clocks_pause(ticket, at(MSK, 2026, 11, 24, 10, 0))
    # A week later, still waiting, long after the deadline recorded before the pause.
    met = sla_clocks.clock_meet(ticket, "resolution", at(MSK, 2026, 12, 1, 10, 0))
    assert (met.state, met.breached_at, met.paused_at) == ("met", None, None)
    assert not ticket.events.filter(kind="sla_breached").exists()
