"""What tickets tell people (opened, assigned, SLA warnings, breaches, escalations,
callbacks): emails rendered in each recipient's language and time zone, and one webhook
per subscribed endpoint. Rows go to the outbox in the caller's
transaction; the event key makes each (event, channel, recipient) unique."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from tickets.messaging import ticket_url, users_notify, webhook_body
from tickets.models import Ticket


def ticket_opened_notify(ticket: Ticket, *, outbox=None) -> None:
    """A new detractor follow-up: the assignee by email, subscribers by webhook."""
    response = ticket.origin_response

    def render(user):
        subject = _("[%(ref)s] New detractor follow-up: %(customer)s") % {
            "ref": ticket.reference,
            "customer": ticket.customer,
        }
        body = _("%(customer)s answered %(score)d: %(comment)s\n\nOpen the ticket: %(url)s") % {
            "customer": ticket.customer,
            "score": response.score,
            "comment": response.comment,
            "url": ticket_url(ticket),
        }
        return subject, body

    users_notify(
        [ticket.assignee],
        event_key=f"ticket:{ticket.pk}:created",
        topic="ticket.created",
        payload=webhook_body(ticket),
        render=render,
        outbox=outbox,
    )


def ticket_assigned_notify(ticket: Ticket, assignee, now: dt.datetime) -> None:
    def render(user):
        subject = _("[%(ref)s] Assigned to you: %(customer)s") % {
            "ref": ticket.reference,
            "customer": ticket.customer,
        }
        return subject, _("Open the ticket: %(url)s") % {"url": ticket_url(ticket)}

    users_notify(
        [assignee],
        event_key=f"ticket:{ticket.pk}:assigned:{assignee.pk}:{now.isoformat()}",
        topic="ticket.assigned",
        payload=webhook_body(ticket),
        render=render,
    )
