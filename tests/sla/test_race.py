"""Sweeps racing on PostgreSQL: separate connections, SKIP LOCKED, nothing doubled."""

from __future__ import annotations

import datetime as dt
import functools
import threading

import pytest
from django.db import connection

from accounts.models import User
from notifications.models import Delivery, WebhookEndpoint
from sla.models import SlaClock
from sla.sweep import sla_sweep
from tests import factories
from tests.sla.factories import policy_make, ticket_open
from tests.threads import join_all, start_all
from tickets.models import Team, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def run_in_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    join_all(start_all([functools.partial(target, i) for i in range(count)]), timeout=120)
    assert not errors, errors
    return results


def test_racing_sweeps_record_each_warning_and_breach_once():
    manager = User.objects.create(username="m", email="m@example.com")
    agent = User.objects.create(username="a", email="a@example.com")
    team = Team.objects.create(name="Care", slug="care", is_fallback=True, manager=manager)
    team.members.add(agent)
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/", topics=[])
    survey = factories.SurveyFactory(slug="nps-race")
    source = factories.SourceFactory()
    policy_make(calendar=None, first_contact=30, resolution=60)
    tickets = [ticket_open(survey=survey, source=source, now=START) for _ in range(60)]

    now = START + dt.timedelta(hours=2)
    results = run_in_threads(6, lambda i: sla_sweep(now=now, batch_size=7))

    assert sum(r.warnings for r in results) == 120
    assert sum(r.breaches for r in results) == 120
    assert sum(r.clocks_checked for r in results) == 120
    assert TicketEvent.objects.filter(kind="sla_warning").count() == 120
    assert TicketEvent.objects.filter(kind="sla_breached").count() == 120
    # one breach email to the manager and one to the agent per clock, one webhook each
    assert Delivery.objects.filter(topic="sla.breached").count() == 120 * 3
    assert not SlaClock.objects.filter(next_check_at__isnull=False).exists()
    assert all(t.clocks.filter(state="breached").count() == 2 for t in tickets)


def test_racing_deliveries_send_each_row_once(settings):
    from django.core import mail

    from notifications import services

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    rows = [
        Delivery.objects.create(
            event_key=f"e{i}",
            topic="t",
            channel="email",
            recipient=f"x{i}@example.com",
            payload={"subject": f"s{i}", "body": "b"},
            next_attempt_at=START,
        )
        for i in range(40)
    ]
    run_in_threads(5, lambda i: services.deliveries_flush())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.recipient for r in rows)
    assert Delivery.objects.filter(status="sent").count() == 40
