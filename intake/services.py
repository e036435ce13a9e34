"""Ingestion: the one path every answer takes (API, bulk, webhooks, import, re-rate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback_desk.unsaved import unsaved
from surveys.models import Category, Customer, IngestionSource, Response, Survey

CUSTOMER_ATTRIBUTES = ("name", "phone", "segment", "locale", "time_zone", "preferred_channel")


class DuplicateConflict(Exception):
    """The same (source, external_id) was already stored with a different score."""

    def __init__(self, existing: Response):
        super().__init__(f"response {existing.external_id} already stored with another score")
        self.existing = existing


@dataclass
class CustomerData:
    external_id: str | None = None
    email: str | None = None
    attributes: dict = field(default_factory=dict)


@dataclass
class ResponseData:
    survey: Survey
    external_id: str
    score: int
    customer: CustomerData
    responded_at: dt.datetime
    comment: str = ""
    channel: str = ""
    metadata: dict = field(default_factory=dict)

    def response_for(self, *, customer: Customer, source: IngestionSource) -> Response:
        """The unsaved answer row (the one-row path and the batch engine build it alike)."""
        return unsaved(
            Response,
            {"survey": self.survey, "customer": customer, "source": source},
            external_id=self.external_id,
            score=self.score,
            category=self.survey.categorize(self.score),
            comment=self.comment,
            channel=self.channel,
            responded_at=self.responded_at,
            metadata=self.metadata,
        )


@dataclass
class IngestResult:
    response: Response
    created: bool

    @property
    def duplicate(self) -> bool:
        return not self.created


def _customer_find(data: CustomerData) -> Customer | None:
    if data.external_id:
        found = Customer.objects.filter(external_id=data.external_id).first()
        if found or not data.email:
            return found
        # An email-only customer we knew before now gets its external id.
        return Customer.objects.filter(email=data.email.lower(), external_id__isnull=True).first()
    return Customer.objects.filter(email=data.email.lower()).order_by("pk").first()


def customer_upsert(data: CustomerData) -> Customer:
    """Finds the customer by external id, then email; creates it if unknown.

    Known attributes are updated with the non-empty values sent.
    """
    for _attempt in range(3):
        customer = _customer_find(data)
        if customer is None:
            try:
                with transaction.atomic():
                    return Customer.objects.create(
                        external_id=data.external_id or None,
                        email=data.email or None,
                        **{k: v for k, v in data.attributes.items() if v not in (None, "")},
                    )
            except IntegrityError:
                continue  # somebody created it at the same moment: find it again
        changed = []
        if data.external_id and not customer.external_id:
            customer.external_id = data.external_id
            changed.append("external_id")
        if data.email and not customer.email:
            customer.email = data.email
            changed.append("email")
        for name in CUSTOMER_ATTRIBUTES:
            value = data.attributes.get(name)
            if value not in (None, "") and getattr(customer, name) != value:
                setattr(customer, name, value)
                changed.append(name)
        if changed:
            try:
                with transaction.atomic():
                    customer.save(update_fields=[*changed, "updated_at"])
            except IntegrityError:
                continue
        return customer
    raise IntegrityError("could not upsert the customer")


def _existing(source: IngestionSource, data: ResponseData) -> IngestResult:
    existing = Response.objects.select_related("survey", "customer", "ticket", "source").get(
        source=source, external_id=data.external_id
    )
    if existing.score != data.score or existing.survey_id != data.survey.pk:
        raise DuplicateConflict(existing)
    return IngestResult(response=existing, created=False)


def response_ingest(
    *,
    source: IngestionSource,
    data: ResponseData,
    now: dt.datetime | None = None,
    open_ticket: bool = True,
) -> IngestResult:
    """Stores one answer and, for a detractor, opens or extends its ticket, atomically.

    Replaying (source, external_id) with the same score returns the stored answer;
    with a different score raises DuplicateConflict. Anything for the broker goes
    through the outbox, after commit. open_ticket=False stores a detractor for the
    numbers only (e.g. an old answer imported from a spreadsheet).
    """
    from tickets.services.lifecycle import ticket_open_or_attach

    now = now or timezone.now()
    if Response.objects.filter(source=source, external_id=data.external_id).exists():
        return _existing(source, data)
    with transaction.atomic():
        customer = customer_upsert(data.customer)
        # One writer per customer at a time: the "one open ticket" decision is serialized.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        response = data.response_for(customer=customer, source=source)
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:
            # The same answer arrived concurrently and won: behave as a replay.
            return _existing(source, data)
        if open_ticket and response.category == Category.DETRACTOR:
            ticket_open_or_attach(response=response, now=now)
    return IngestResult(response=response, created=True)
