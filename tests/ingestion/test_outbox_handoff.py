"""A batch's outbox rows reach the broker in a few messages, and each is still sent once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Delivery


def email_row(n: int) -> Delivery:
    return Delivery(
        event_key=f"test:{n}",
        topic="ticket.created",
        channel=Delivery.Channel.EMAIL,
        recipient=f"agent{n}@example.com",
        payload={"subject": f"Subject {n}", "body": "Body", "data": {}},
        next_attempt_at=timezone.now(),
    )


@pytest.mark.django_db
def test_a_batch_of_rows_is_handed_over_with_one_callback(django_capture_on_commit_callbacks):
    batch = services.OutboxBatch(endpoints=[])
    batch.rows.extend(email_row(n) for n in range(250))
    with django_capture_on_commit_callbacks() as callbacks:
        ids = batch.write()
    assert len(ids) == 250
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_the_batch_task_sends_each_row_once():
    rows = Delivery.objects.bulk_create([email_row(n) for n in range(3)])
    ids = [row.pk for row in rows]
    tasks.deliveries_send.run(ids)
    tasks.deliveries_send.run(ids)  # handed twice: still one email each
    assert len(mail.outbox) == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
