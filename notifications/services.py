"""Writing to the outbox. Rows are written inside the caller's transaction and only
handed to the broker after commit, so a broker outage delays a message, never loses it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback_desk.unsaved import unsaved
from notifications.models import Delivery, WebhookEndpoint

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
DELIVERY_SEND_TASK = "notifications.delivery_send"
DELIVERIES_SEND_TASK = "notifications.deliveries_send"
SIGNATURE_HEADER = "X-FeedbackDesk-Signature"


# After one failed hand-off, skip the broker for a while: each attempt can block for the
# connection timeout, and the periodic flush delivers the rows anyway.
BROKER_BACKOFF_SECONDS = 15
_broker_down_until = 0.0


def _hand_to_broker(delivery_id: int) -> None:
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    try:
        # by name: the task module imports this one, never the other way round
        current_app.tasks[DELIVERY_SEND_TASK].apply_async((delivery_id,), retry=False)
    except Exception:  # noqa: BLE001 - broker down: the periodic flush delivers it later
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("broker unavailable; delivery %s left for the flush", delivery_id)


HAND_OFF_CHUNK = 100  # deliveries per broker message when a batch wrote many


def _hand_many_to_broker(delivery_ids: list[int]) -> None:
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    deliveries_send = current_app.tasks[DELIVERIES_SEND_TASK]  # by name, as above
    for start in range(0, len(delivery_ids), HAND_OFF_CHUNK):
        try:
            deliveries_send.apply_async(
                (delivery_ids[start : start + HAND_OFF_CHUNK],), retry=False
            )
        except Exception:  # noqa: BLE001 - broker down: the periodic flush delivers them
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            log.warning("broker unavailable; %s deliveries left for the flush", len(delivery_ids))
            return


def dispatch_many_after_commit(delivery_ids: list[int]) -> None:
    """Like dispatch_after_commit for a batch's rows: one broker message per 100 rows
    instead of one per row (each message is a round trip to the broker)."""
    if len(delivery_ids) == 1:
        dispatch_after_commit(delivery_ids[0])
    elif delivery_ids:
        ids = list(delivery_ids)
        transaction.on_commit(lambda: _hand_many_to_broker(ids))


def dispatch_after_commit(delivery_id: int) -> None:
    """Hands the row to a worker once the transaction that wrote it has committed."""
    transaction.on_commit(lambda: _hand_to_broker(delivery_id))


def delivery_enqueue(
    *, event_key: str, topic: str, channel: str, recipient: str, payload: dict
) -> Delivery | None:
    """Adds one message to the outbox unless this (event, channel, recipient) has one."""
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                event_key=event_key,
                topic=topic,
                channel=channel,
                recipient=recipient,
                payload=payload,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    dispatch_after_commit(delivery.pk)
    return delivery


@dataclass(frozen=True)
class Email:
    """One email, already rendered in the recipient's language and time zone."""

    recipient: str
    subject: str
    body: str

    def __post_init__(self):
        object.__setattr__(self, "subject", header_safe(self.subject))


def header_safe(text: str) -> str:
    """A subject is one header line: CR/LF from a customer's name would make the email
    undeliverable (BadHeaderError), so all whitespace runs become one space."""
    return " ".join(str(text).split())


def active_endpoints() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(is_active=True).order_by("pk"))


class OutboxBatch:
    """Collects the outbox rows of many events (a sweep batch) and writes them with one
    INSERT and one SELECT, still inside the caller's transaction."""

    def __init__(self, endpoints: list[WebhookEndpoint] | None = None):
        self.endpoints = active_endpoints() if endpoints is None else endpoints
        self.rows: list[Delivery] = []

    def write(self) -> list[int]:
        if not self.rows:
            return []
        rows, self.rows = self.rows, []
        return _insert_and_dispatch(rows)


def _insert_and_dispatch(rows: list[Delivery]) -> list[int]:
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(
            event_key__in={row.event_key for row in rows}, status=Delivery.Status.PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # A row already pending from an earlier call is at worst handed twice: the row lock in
    # delivery_send still sends it once.
    dispatch_many_after_commit(ids)
    return ids


def deliveries_enqueue(
    *,
    event_key: str,
    topic: str,
    payload: dict,
    emails: list[Email] = (),
    outbox: OutboxBatch | None = None,
) -> list[int]:
    """Adds one outbox row per email and per subscribed webhook endpoint in one INSERT;
    rows this (event, channel, recipient) already has are left alone. Returns the ids
    handed to the broker after commit (none yet when collecting into an OutboxBatch)."""
    endpoints = active_endpoints() if outbox is None else outbox.endpoints
    now = timezone.now()
    rows: dict[tuple[str, str], Delivery] = {}
    for email in emails:
        address = (email.recipient or "").strip().lower()
        if address:
            rows.setdefault(
                (Delivery.Channel.EMAIL, address),
                unsaved(
                    Delivery,
                    None,
                    event_key=event_key,
                    topic=topic,
                    channel=Delivery.Channel.EMAIL,
                    recipient=address,
                    payload={
                        "subject": str(email.subject),
                        "body": str(email.body),
                        "data": payload,
                    },
                    next_attempt_at=now,
                ),
            )
    for endpoint in endpoints:
        if endpoint.is_active and endpoint.wants(topic):
            rows[(Delivery.Channel.WEBHOOK, str(endpoint.pk))] = unsaved(
                Delivery,
                None,
                event_key=event_key,
                topic=topic,
                channel=Delivery.Channel.WEBHOOK,
                recipient=str(endpoint.pk),
                payload={"topic": topic, "event": event_key, "data": payload},
                next_attempt_at=now,
            )
    if not rows:
        return []
    if outbox is not None:
        outbox.rows.extend(rows.values())
        return []
    return _insert_and_dispatch(list(rows.values()))


def notify(
    *,
    event_key: str,
    topic: str,
    payload: dict,
    emails: list[str] | None = None,
    email_subject: str = "",
    email_body: str = "",
) -> list[Delivery]:
    """Queues an email per address and a webhook per subscribed endpoint."""
    ids = deliveries_enqueue(
        event_key=event_key,
        topic=topic,
        payload=payload,
        emails=[Email(address, email_subject, email_body) for address in emails or []],
    )
    return list(Delivery.objects.filter(pk__in=ids).order_by("pk"))


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_email(delivery: Delivery) -> None:
    send_mail(
        subject=header_safe(delivery.payload.get("subject") or delivery.topic),
        message=delivery.payload.get("body") or json.dumps(delivery.payload.get("data", {})),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[delivery.recipient],
    )


class PermanentFailure(Exception):
    """Retrying cannot help (the endpoint was deleted or switched off)."""


def _send_webhook(delivery: Delivery) -> None:
    endpoint = WebhookEndpoint.objects.filter(pk=int(delivery.recipient)).first()
    if endpoint is None:
        raise PermanentFailure("webhook endpoint deleted")
    if not endpoint.is_active:
        raise PermanentFailure("webhook endpoint switched off")
    body = json.dumps(
        {**delivery.payload, "delivery_id": delivery.pk}, sort_keys=True, default=str
    ).encode()
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "feedback_desk",
            SIGNATURE_HEADER: webhook_signature(endpoint.secret, body),
            "X-FeedbackDesk-Delivery": str(delivery.pk),
            "X-FeedbackDesk-Topic": delivery.topic,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - admin-set URL
        if answer.status >= 300:
            raise urllib.error.HTTPError(endpoint.url, answer.status, "not 2xx", None, None)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def delivery_send(delivery_id: int) -> bool:
    """Sends one pending delivery; the row lock keeps two workers from sending it twice.

    The lock is held while sending and the row is marked sent in the same transaction,
    so the after-commit task, the periodic flush and a redelivered task never send one
    row twice. Only a crash between a receiver's 2xx and our commit can repeat a
    webhook: receivers deduplicate on the X-FeedbackDesk-Delivery header."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return False
        if delivery.channel == Delivery.Channel.EMAIL and not settings.EMAIL_CONFIGURED:
            # Not the recipient's fault and not a try: wait for EMAIL_URL (check E001).
            delivery.last_error = "EMAIL_URL is not set (DEBUG is off): kept pending."
            delivery.next_attempt_at = timezone.now() + dt.timedelta(minutes=5)
            delivery.save(update_fields=["last_error", "next_attempt_at"])
            return False
        delivery.attempts += 1
        try:
            if delivery.channel == Delivery.Channel.EMAIL:
                _send_email(delivery)
            else:
                _send_webhook(delivery)
        except Exception as exc:  # noqa: BLE001 - any failure is retried with backoff
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= MAX_ATTEMPTS or isinstance(exc, PermanentFailure):
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            delivery.save()
            return False
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save()
        return True


def deliveries_due(limit: int = 500) -> list[int]:
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_flush(limit: int = 500) -> int:
    """Sends what is due, in this process. Returns how many were sent."""
    return sum(delivery_send(pk) for pk in deliveries_due(limit))


def delivery_retry(delivery: Delivery) -> bool:
    """Puts a pending or failed delivery back in the queue now; a sent one stays sent."""
    changed = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(status=Delivery.Status.SENT)
        .update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
    )
    if changed:
        dispatch_after_commit(delivery.pk)
    return bool(changed)


def deliveries_retry(*, deliveries) -> int:
    """Admin action: retry the selected deliveries. Returns how many were queued again."""
    with transaction.atomic():
        return sum(delivery_retry(delivery) for delivery in deliveries)
