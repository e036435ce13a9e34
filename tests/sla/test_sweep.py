"""The sweep records each warning, breach, escalation and callback exactly once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from accounts.models import User
from notifications.models import Delivery, WebhookEndpoint
from sla import clocks as sla_clocks
from sla.models import SlaClock
from sla.sweep import sla_sweep
from tests.sla.factories import at, policy_make, ticket_open
from tickets.models import ContactAttempt, TicketEvent

MSK = "Europe/Moscow"
pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(db):
    return WebhookEndpoint.objects.create(
        name="crm", url="http://127.0.0.1:9/hook", topics=["sla.breached", "sla.escalated"]
    )


def kinds(ticket) -> list[str]:
    return list(
        ticket.events.filter(kind__startswith="sla_")
        .order_by("at", "id")
        .values_list("kind", "data__clock")
    )


def test_warning_then_breach_each_recorded_once(survey, source, team, policy, hook):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    assert sla_sweep(now=at(MSK, 2026, 11, 24, 11, 59)).warnings == 0

    first = sla_sweep(now=at(MSK, 2026, 11, 24, 12, 0))
    again = sla_sweep(now=at(MSK, 2026, 11, 24, 12, 0))
    assert (first.warnings, first.breaches, again.warnings, again.clocks_checked) == (1, 0, 0, 0)
    clock = ticket.clocks.get(kind="first_contact")
    assert (clock.state, clock.warned_at) == ("at_risk", at(MSK, 2026, 11, 24, 12, 0))
    assert clock.next_check_at == clock.due_at

    breach = sla_sweep(now=at(MSK, 2026, 11, 24, 13, 0, 1))
    sla_sweep(now=at(MSK, 2026, 11, 24, 13, 5))
    assert (breach.breaches, breach.warnings) == (1, 0)
    clock.refresh_from_db()
    ticket.refresh_from_db()
    assert clock.state == "breached"
    assert clock.breached_at == at(MSK, 2026, 11, 24, 13, 0)  # the deadline, to the second
    assert ticket.escalated is True
    assert kinds(ticket) == [("sla_warning", "first_contact"), ("sla_breached", "first_contact")]
    event = ticket.events.get(kind="sla_breached")
    assert event.at == clock.due_at

    deliveries = Delivery.objects.order_by("topic", "channel", "recipient")
    sla_rows = [(d.topic, d.channel, d.recipient) for d in deliveries if d.topic.startswith("sla.")]
    assert sla_rows == [
        ("sla.breached", "email", "agent@example.com"),
        ("sla.breached", "email", "manager@example.com"),
        ("sla.breached", "webhook", str(hook.pk)),
        ("sla.warning", "email", "agent@example.com"),
    ]


def test_emails_use_the_recipients_language_and_time_zone(survey, source, team, policy):
    ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_sweep(now=at(MSK, 2026, 11, 24, 13, 30))
    to_agent = Delivery.objects.get(topic="sla.breached", recipient="agent@example.com")
    to_manager = Delivery.objects.get(topic="sla.breached", recipient="manager@example.com")
    # Due 13:00 Moscow: the English-speaking agent in Moscow, the Russian-speaking
    # manager in Yekaterinburg (15:00 there), each in their own date format.
    assert "24/11/2026 13:00 (Europe/Moscow)" in to_agent.payload["subject"]
    assert "24.11.2026 15:00 (Asia/Yekaterinburg)" in to_manager.payload["subject"]
    assert to_agent.payload["data"]["sla"]["state"] == "breached"


def test_long_outage_records_warning_and_breach_but_warns_nobody_late(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    result = sla_sweep(now=at(MSK, 2026, 11, 24, 14, 0))
    assert (result.warnings, result.breaches) == (1, 1)
    assert kinds(ticket)[:2] == [
        ("sla_warning", "first_contact"),
        ("sla_breached", "first_contact"),
    ]
    assert not Delivery.objects.filter(topic="sla.warning").exists()
    assert Delivery.objects.filter(topic="sla.breached").count() == 2


def test_escalation_levels_fire_once_each_in_business_time(survey, source, team, moscow, agent):
    boss = User.objects.create(username="boss", email="boss@example.com")
    policy = policy_make(
        calendar=moscow,
        first_contact=60,
        resolution=960,
        levels=[
            (1, 30, {"notify_manager": True}),
            (2, 120, {"notify_manager": False, "reassign_to_manager": True}),
        ],
    )
    policy.escalations.get(level=2).notify_users.add(boss)
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 27, 16, 30))
    assert ticket.assignee == agent
    sla_sweep(now=at(MSK, 2026, 11, 27, 17, 31))  # Friday: due 17:30, breached
    clock = ticket.clocks.get(kind="first_contact")
    assert clock.next_check_at == at(MSK, 2026, 11, 27, 18, 0)  # level 1 after 30 min

    level1 = sla_sweep(now=at(MSK, 2026, 11, 27, 18, 0))
    sla_sweep(now=at(MSK, 2026, 11, 27, 18, 5))
    assert level1.escalations == 1
    clock.refresh_from_db()
    assert clock.escalation_level == 1
    # Level 2: 120 business minutes after the breach = Monday 10:30, not Friday evening.
    assert clock.next_check_at == at(MSK, 2026, 11, 30, 10, 30)
    assert sla_sweep(now=at(MSK, 2026, 11, 28, 12, 0)).escalations == 0
    assert sla_sweep(now=at(MSK, 2026, 11, 30, 10, 30)).escalations == 1
    sla_sweep(now=at(MSK, 2026, 12, 30, 10, 30))  # the resolution clock breaches too

    escalations = list(
        ticket.events.filter(kind="escalated", data__clock="first_contact").order_by("at")
    )
    assert [e.data["level"] for e in escalations] == [1, 2]
    assert escalations[1].data["reassigned"] == {"from": agent.pk, "to": team.manager_id}
    ticket.refresh_from_db()
    assert ticket.assignee_id == team.manager_id
    first_contact_key = f"sla:{clock.pk}:"
    assert sorted(
        Delivery.objects.filter(
            topic="sla.escalated", event_key__startswith=first_contact_key
        ).values_list("recipient", flat=True)
    ) == ["boss@example.com", "manager@example.com"]
    clock.refresh_from_db()
    assert (clock.escalation_level, clock.next_check_at) == (2, None)


def test_finished_tickets_stop_their_clocks(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    ticket.status = "resolved"
    ticket.resolved_at = at(MSK, 2026, 11, 24, 12, 30)  # after the warning, before the breach
    ticket.save()
    result = sla_sweep(now=at(MSK, 2026, 11, 30, 12, 0))
    # First contact warned at 12:00 (before the resolve); nothing after the resolve counts.
    assert (result.warnings, result.breaches) == (1, 0)
    assert SlaClock.objects.filter(next_check_at__isnull=False).count() == 0


def test_paused_clocks_are_not_swept(survey, source, team, policy):

    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    sla_clocks.clocks_pause(ticket, at(MSK, 2026, 11, 24, 9, 30))
    assert sla_sweep(now=at(MSK, 2026, 12, 24, 9, 0)).clocks_checked == 0
    assert not ticket.events.filter(kind__in=["sla_warning", "sla_breached"]).exists()


def test_batches_cover_every_due_clock(survey, source, team, policy_24x7):
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    for _ in range(7):
        ticket_open(survey=survey, source=source, now=start)
    result = sla_sweep(now=start + dt.timedelta(hours=10), batch_size=3)
    assert (result.clocks_checked, result.breaches) == (14, 14)
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 14


def test_callback_reminder_once(survey, source, team, policy):
    ticket = ticket_open(survey=survey, source=source, now=at(MSK, 2026, 11, 24, 9, 0))
    attempt = ContactAttempt.objects.create(
        ticket=ticket,
        channel="phone",
        outcome="callback_requested",
        occurred_at=at(MSK, 2026, 11, 24, 9, 10),
        callback_at=at(MSK, 2026, 11, 24, 16, 0),
        note="after the meeting",
    )
    assert sla_sweep(now=at(MSK, 2026, 11, 24, 15, 59)).callbacks == 0
    assert sla_sweep(now=at(MSK, 2026, 11, 24, 16, 0)).callbacks == 1
    assert sla_sweep(now=at(MSK, 2026, 11, 24, 16, 1)).callbacks == 0
    attempt.refresh_from_db()
    assert attempt.callback_reminded_at == at(MSK, 2026, 11, 24, 16, 0)
    event = ticket.events.get(kind="callback_due")
    assert event.data["attempt"] == attempt.pk
    reminder = Delivery.objects.get(topic="ticket.callback_due")
    assert reminder.recipient == "agent@example.com"
    assert "after the meeting" in reminder.payload["body"]


def test_sla_sweep_command_reports_what_it_did(survey, source, team, policy_24x7):
    ticket_open(survey=survey, source=source, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    out = io.StringIO()
    call_command("sla_sweep", stdout=out)
    assert "2 warnings, 2 breaches" in out.getvalue()


def test_setup_periodic_tasks_is_idempotent(db, settings):
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    settings.SLA_SWEEP_INTERVAL = 30
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    tasks = {
        t.task: t.interval.every if t.interval else f"{t.crontab.hour}:{t.crontab.minute}"
        for t in PeriodicTask.objects.select_related("interval", "crontab")
    }
    assert tasks == {
        "sla.sweep": 30,
        "notifications.deliveries_flush": 30,
        "tickets.rerate_invitations_send": 300,
        "tickets.tickets_autoclose": 900,
        "reports.nps_rollup_refresh": 60,
        "reports.nps_rollup_rebuild": "3:30",
        "intake.pending_fetches_run": 60,
        "intake.import_jobs_resume": 60,
    }
    call_command("setup_periodic_tasks", "--sla-interval", "5", stdout=io.StringIO())
    assert PeriodicTask.objects.get(task="sla.sweep").interval.every == 5
    assert PeriodicTask.objects.count() == 8
    assert IntervalSchedule.objects.filter(every=30).count() == 1
    assert CrontabSchedule.objects.count() == 1
