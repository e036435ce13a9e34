"""Closing the loop: ask the customer to rate again after resolution, once, by a link.

The invitation row is written at resolution with a send time in the future; the
periodic job emails it through the outbox when due. The link carries a signed,
timestamped invitation id (no login); it expires and works once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from surveys.models import IngestionSource, Response
from tickets.events import event_record
from tickets.models import RerateInvitation, Ticket, TicketEvent
from tickets.rerate import LinkUsed, invitation_from_token


def rerate_source() -> IngestionSource:
    source, _created = IngestionSource.objects.get_or_create(
        slug="rerate",
        defaults={"name": "Re-rate links", "kind": IngestionSource.Kind.RERATE},
    )
    return source


def rerate_submit(
    *, token: str, score: int, comment: str = "", now: dt.datetime | None = None
) -> Response:
    """Stores the customer's new answer through ingestion, once, and records recovery.

    external_id is derived from the invitation, so a replayed submission is the same
    answer, never a second one.
    """
    from intake.batch import response_store
    from intake.services import CustomerData, ResponseData

    now = now or timezone.now()
    invitation = invitation_from_token(token)
    with transaction.atomic():
        invitation = RerateInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if invitation.used_at is not None:
            raise LinkUsed(invitation)
        ticket = Ticket.objects.select_related("customer", "origin_response__survey").get(
            pk=invitation.ticket_id
        )
        survey = ticket.origin_response.survey
        customer = ticket.customer
        result = response_store(
            source=rerate_source(),
            data=ResponseData(
                survey=survey,
                external_id=f"rerate-{invitation.pk}",
                score=score,
                customer=CustomerData(external_id=customer.external_id, email=customer.email),
                responded_at=now,
                comment=comment,
                channel="email",
                metadata={"rerate_of": ticket.reference, "invitation": invitation.pk},
            ),
            now=now,
        )
        if result.conflict is not None:  # stored before with another score: refused
            raise result.conflict
        response = result.response
        if response.ticket_id is None:
            response.ticket = ticket
            response.save(update_fields=["ticket"])
        invitation.used_at = now
        invitation.response = response
        invitation.save(update_fields=["used_at", "response"])
        recovered = score > survey.detractor_max
        Ticket.objects.filter(pk=ticket.pk).update(recovered=recovered)
        event_record(
            ticket=ticket,
            kind=TicketEvent.Kind.RERATED,
            data={"response": response.pk, "score": score, "recovered": recovered},
            at=now,
        )
    return response
