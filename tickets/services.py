"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from notifications.services import notify
from surveys.models import Category, Response
from tickets import routing, sla
from tickets.events import event_record
from tickets.models import OPEN_STATUSES, Team, Ticket, TicketEvent


def ticket_payload(ticket: Ticket) -> dict:
    """What outbound webhooks and emails say about a ticket."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team.slug,
        "assignee": ticket.assignee.username if ticket.assignee_id else None,
        "customer": {
            "id": ticket.customer_id,
            "external_id": ticket.customer.external_id,
            "email": ticket.customer.email,
            "name": ticket.customer.name,
        },
        "score": ticket.origin_response.score,
        "comment": ticket.origin_response.comment,
    }


@transaction.atomic
def ticket_open_or_attach(*, response: Response, now: dt.datetime | None = None) -> Ticket:
    """Opens a follow-up ticket for a detractor answer, or attaches the answer to the
    customer's open ticket. The caller must hold the customer's row lock."""
    assert response.category == Category.DETRACTOR
    now = now or timezone.now()
    open_ticket = (
        Ticket.objects.select_for_update()
        .filter(customer_id=response.customer_id, status__in=OPEN_STATUSES)
        .first()
    )
    if open_ticket is not None:
        response.ticket = open_ticket
        response.save(update_fields=["ticket"])
        event_record(
            ticket=open_ticket,
            kind=TicketEvent.Kind.RESPONSE_ATTACHED,
            data={"response": response.pk, "score": response.score},
            at=now,
        )
        return open_ticket

    team = routing.team_for(response)
    team = Team.objects.select_for_update().get(pk=team.pk)
    ticket = Ticket(
        customer=response.customer,
        origin_response=response,
        priority=routing.priority_for(response),
        team=team,
        assignee=routing.agent_for(team, response),
        created_at=now,
    )
    ticket.save()
    response.ticket = ticket
    response.save(update_fields=["ticket"])
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.CREATED,
        data={
            "response": response.pk,
            "score": response.score,
            "team": team.slug,
            "assignee": ticket.assignee_id,
            "priority": ticket.priority,
        },
        at=now,
    )
    sla.clocks_start(ticket, now)
    notify(
        event_key=f"ticket:{ticket.pk}:created",
        topic="ticket.created",
        payload=ticket_payload(ticket),
        emails=[ticket.assignee.email] if ticket.assignee_id else [],
        email_subject=f"[{ticket.reference}] New detractor follow-up: {ticket.customer}",
        email_body=(
            f"{ticket.customer} answered {response.score}: {response.comment}\n\n"
            f"Open the ticket: {ticket_url(ticket)}"
        ),
    )
    return ticket


def ticket_url(ticket: Ticket) -> str:
    from django.conf import settings

    return f"{settings.SITE_URL.rstrip('/')}/tickets/{ticket.pk}/"
