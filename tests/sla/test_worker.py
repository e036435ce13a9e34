"""The SLA engine on real parts: PostgreSQL, Redis, two Celery workers and beat.

Deadlines are placed a few seconds ahead by opening the ticket with an injected `now`
in the past (24/7 policy), so no test waits for a business deadline; the polling below
only waits for real processes to act, and is bounded.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from notifications.models import Delivery, WebhookEndpoint
from tests import factories
from tests.conftest import service_missing
from tests.sla.factories import policy_make, ticket_open
from tests.sla.stack import CeleryStack, Receiver, RedisServer, free_port, wait_until
from tickets.models import Team, TicketEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

SWEEP_INTERVAL = 1
# How late a breach webhook may arrive after its deadline: a sweep (1 s), the hand-off to
# a worker and one HTTP post, with generous room for a loaded 2-core machine. What matters
# is that beat's sweep delivers it without anyone asking, not the exact second.
DELIVERY_BOUND = 30
FLUSH_TASK = "notifications.deliveries_flush"
SWEEP_TASK = "sla.sweep"


@pytest.fixture
def receiver():
    secret = "s3cret-for-tests"
    receiver = Receiver(secret)
    yield receiver
    receiver.close()


@pytest.fixture
def desk(receiver):
    """A team with a manager and no agents (so opening a ticket notifies nobody) and a
    webhook endpoint subscribed to breaches only."""
    manager = User.objects.create(username="boss", email="boss@example.com")
    Team.objects.create(name="Care", slug="care", is_fallback=True, manager=manager)
    WebhookEndpoint.objects.create(
        name="receiver", url=receiver.url, secret=receiver.secret, topics=["sla.breached"]
    )
    policy_make(calendar=None, first_contact=1, resolution=600)
    call_command(
        "setup_periodic_tasks",
        "--sla-interval",
        str(SWEEP_INTERVAL),
        "--flush-interval",
        "1",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    return {
        "survey": factories.SurveyFactory(slug="nps-worker"),
        "source": factories.SourceFactory(),
    }


def ticket_due_in(desk, seconds: float):
    """Opened `60 - seconds` ago under a 1-minute first-contact target."""
    now = timezone.now() - dt.timedelta(seconds=60 - seconds)
    return ticket_open(survey=desk["survey"], source=desk["source"], now=now)


def breach_posts(receiver, ticket) -> list[dict]:
    return [
        r
        for r in receiver.topics("sla.breached")
        if r["body"]["data"]["ticket"]["id"] == ticket.pk
        and r["body"]["data"]["clock"] == "first_contact"
    ]


def warm_up(stack, receiver, desk):
    """An already breached ticket proves beat, both workers' queue and the outbox run."""
    ticket = ticket_due_in(desk, -5)
    try:
        wait_until(lambda: breach_posts(receiver, ticket), 60, "the stack to start")
    except AssertionError:
        raise AssertionError(stack.logs()) from None
    return ticket


def settled(stack, redis_url, sweeps_after: int, flushes_after: int):
    """A predicate: more sweeps and flushes have finished since the marks, the broker
    holds no message, and the outbox has nothing pending: counting now is final."""

    def check() -> bool:
        return (
            stack.task_runs(SWEEP_TASK) >= sweeps_after
            and stack.task_runs(FLUSH_TASK) >= flushes_after
            and stack.broker_idle(redis_url)
            and not Delivery.objects.filter(status="pending", channel="webhook").exists()
        )

    return check


def test_breach_recorded_and_webhook_delivered_once_with_two_workers(
    tmp_path, receiver, desk, redis_url_for_test
):
    stack = CeleryStack(redis_url=redis_url_for_test, log_dir=tmp_path, workers=2)
    stack.start()
    try:
        warm_up(stack, receiver, desk)
        ticket = ticket_due_in(desk, 3)
        due_at = ticket.clocks.get(kind="first_contact").due_at
        posts = wait_until(
            lambda: breach_posts(receiver, ticket), 3 + DELIVERY_BOUND + 10, "the breach webhook"
        )
        delay = posts[0]["at"] - due_at.timestamp()
        assert 0 <= delay <= DELIVERY_BOUND, f"delivered {delay:.1f}s after the deadline"
        # Four more sweeps and flushes by two workers, then the queue and the outbox
        # drained: only now does "still exactly once" mean no duplicate is on its way.
        wait_until(
            settled(
                stack,
                redis_url_for_test,
                stack.task_runs(SWEEP_TASK) + 4,
                stack.task_runs(FLUSH_TASK) + 4,
            ),
            60,
            "four more sweeps and a drained queue",
        )
        assert len(breach_posts(receiver, ticket)) == 1
        assert ticket.events.filter(kind="sla_breached").count() == 1
        assert receiver.bad_signatures == 0
        post = breach_posts(receiver, ticket)[0]["body"]
        assert post["data"]["sla"]["breached_at"] == post["data"]["sla"]["due_at"]
        assert stack.alive() == ["worker0", "worker1", "beat"]
    finally:
        stack.stop()


def test_redis_outage_delays_notifications_but_loses_none(tmp_path, receiver, desk):
    if shutil.which("redis-server") is None:
        service_missing("needs the redis-server binary to start a private Redis")
    redis = RedisServer(free_port(), tmp_path)
    redis.start()
    stack = CeleryStack(redis_url=redis.url, log_dir=tmp_path, workers=2)
    stack.start()
    try:
        warm_up(stack, receiver, desk)
        redis.stop()
        # Breaches that happen while the broker is down: one recorded by a sweep run by
        # hand (its after-commit hand-off fails), others left for beat when Redis returns.
        by_hand = [ticket_due_in(desk, -1) for _ in range(3)]
        done = stack.manage("sla_sweep")
        assert done.returncode == 0, done.stderr
        assert "3 breaches" in done.stdout
        later = [ticket_due_in(desk, -1) for _ in range(3)]
        pending = Delivery.objects.filter(topic="sla.breached", channel="webhook", status="pending")
        assert pending.count() == 3
        # The workers notice the missing broker (they log the failed reconnect); until
        # it returns nothing can be delivered.
        complaints = stack.broker_complaints()
        wait_until(
            lambda: stack.broker_complaints() > complaints,
            60,
            "the workers to notice the broker is gone",
        )
        assert not any(breach_posts(receiver, t) for t in by_hand + later)
        assert pending.count() == 3

        redis.start()
        everyone = by_hand + later
        try:
            wait_until(lambda: all(breach_posts(receiver, t) for t in everyone), 90, "recovery")
        except AssertionError:
            raise AssertionError(stack.logs()) from None
        wait_until(
            settled(
                stack,
                redis.url,
                stack.task_runs(SWEEP_TASK) + 2,
                stack.task_runs(FLUSH_TASK) + 2,
            ),
            60,
            "two more sweeps and flushes and a drained queue",
        )
        assert [len(breach_posts(receiver, t)) for t in everyone] == [1] * 6
        assert (
            TicketEvent.objects.filter(
                kind="sla_breached", ticket__in=everyone, data__clock="first_contact"
            ).count()
            == 6
        )
        assert not Delivery.objects.filter(status="pending", channel="webhook").exists()
    finally:
        stack.stop()
        redis.stop()
