"""The outbox: signed webhooks, retries with backoff, once per (event, channel, recipient)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import AdminSite
from django.core import mail
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from notifications import services
from notifications.admin import DeliveryAdmin
from notifications.admin_actions import deliveries_retry_action
from notifications.models import Delivery, WebhookEndpoint
from tests.sla.stack import Receiver, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver = Receiver("topsecret")
    yield receiver
    receiver.close()


def test_webhook_is_signed_with_the_endpoint_secret(receiver):
    WebhookEndpoint.objects.create(name="crm", url=receiver.url, secret="topsecret")
    [pk] = services.deliveries_enqueue(event_key="k1", topic="sla.breached", payload={"a": 1})
    assert services.delivery_send(pk) is True
    assert receiver.bad_signatures == 0
    [post] = receiver.received
    assert post["body"]["topic"] == "sla.breached"
    assert post["body"]["data"] == {"a": 1}
    assert post["body"]["delivery_id"] == pk
    assert Delivery.objects.get(pk=pk).status == "sent"
    assert services.delivery_send(pk) is False  # already sent: never twice
    assert len(receiver.received) == 1


def test_a_wrong_secret_is_detected_by_the_receiver(receiver):
    WebhookEndpoint.objects.create(name="crm", url=receiver.url, secret="not-the-one")
    [pk] = services.deliveries_enqueue(event_key="k1", topic="t", payload={})
    services.delivery_send(pk)
    assert receiver.bad_signatures == 1


def test_failed_webhook_is_retried_with_exponential_backoff():
    WebhookEndpoint.objects.create(name="down", url=f"http://127.0.0.1:{free_port()}/")
    [pk] = services.deliveries_enqueue(event_key="k1", topic="t", payload={})
    waits = []
    for _ in range(3):
        before = timezone.now()
        assert services.delivery_send(pk) is False
        row = Delivery.objects.get(pk=pk)
        waits.append(round((row.next_attempt_at - before).total_seconds() / 30))
    assert waits == [1, 2, 4]
    assert row.status == "pending" and row.attempts == 3 and "URLError" in row.last_error
    Delivery.objects.filter(pk=pk).update(attempts=services.MAX_ATTEMPTS - 1)
    services.delivery_send(pk)
    assert Delivery.objects.get(pk=pk).status == "failed"


def test_deleted_endpoint_fails_without_retrying():
    endpoint = WebhookEndpoint.objects.create(name="gone", url="http://127.0.0.1:9/")
    [pk] = services.deliveries_enqueue(event_key="k1", topic="t", payload={})
    endpoint.delete()
    services.delivery_send(pk)
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("failed", 1)


def test_same_event_twice_makes_one_row_per_channel_and_recipient():
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/", topics=["x"])
    WebhookEndpoint.objects.create(name="other topic", url="http://127.0.0.1:9/", topics=["y"])
    for _ in range(2):
        services.notify(
            event_key="e1", topic="x", payload={}, emails=["A@example.com", "a@example.com "]
        )
    rows = sorted(Delivery.objects.values_list("channel", "recipient"))
    assert rows[0] == ("email", "a@example.com") and len(rows) == 2


def test_rolled_back_event_leaves_no_delivery(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify(event_key="e1", topic="x", payload={}, emails=["a@example.com"])
            raise RuntimeError("the event failed")
    assert not Delivery.objects.exists()
    assert callbacks == []


def test_flush_sends_what_the_broker_missed():
    services.deliveries_enqueue(
        event_key="e1",
        topic="x",
        payload={},
        emails=[services.Email("a@example.com", "Subject", "Body")],
    )
    mail.outbox = []
    assert services.deliveries_flush() == 1
    assert services.deliveries_flush() == 0
    assert [m.subject for m in mail.outbox] == ["Subject"]


def test_retry_action_requeues_failed_but_never_sent(admin_user):
    now = timezone.now()
    failed = Delivery.objects.create(
        event_key="f",
        topic="t",
        channel="email",
        recipient="a@example.com",
        status="failed",
        attempts=10,
    )
    sent = Delivery.objects.create(
        event_key="s",
        topic="t",
        channel="email",
        recipient="a@example.com",
        status="sent",
        sent_at=now - dt.timedelta(hours=1),
    )
    request = RequestFactory().post("/")
    request.user = admin_user
    model_admin = DeliveryAdmin(Delivery, AdminSite())
    model_admin.message_user = lambda *args, **kwargs: None
    deliveries_retry_action(model_admin, request, Delivery.objects.all())
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert (sent.status, sent.sent_at) == ("sent", now - dt.timedelta(hours=1))
