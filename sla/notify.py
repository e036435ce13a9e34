"""What tickets tell people (opened, assigned, SLA warnings, breaches, escalations,
callbacks): emails rendered in each recipient's language and time zone, and one webhook
per subscribed endpoint. Rows go to the outbox in the caller's
transaction; the event key makes each (event, channel, recipient) unique."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sla.models import SlaClock
from tickets.messaging import moment_for, ticket_url, users_notify, webhook_body
from tickets.models import ContactAttempt, Ticket


def clock_event_key(clock: SlaClock, what: str) -> str:
    """Unique per clock run: a reopened ticket's new resolution clock notifies again."""
    return f"sla:{clock.pk}:{int(clock.started_at.timestamp())}:{what}"


def _clock_name(clock: SlaClock) -> str:
    return str(SlaClock.Kind(clock.kind).label)


def warning_notify(clock: SlaClock, ticket: Ticket, *, outbox=None) -> None:
    """At risk: the assignee (the team manager while nobody is assigned)."""
    recipient = ticket.assignee if ticket.assignee_id else ticket.team.manager
    payload = webhook_body(ticket, clock=clock.kind, sla=clock.summary())

    def render(user):
        subject = _("[%(ref)s] SLA at risk: %(clock)s due %(due)s") % {
            "ref": ticket.reference,
            "clock": _clock_name(clock),
            "due": moment_for(clock.due_at, user),
        }
        body = _(
            "The %(clock)s deadline of ticket %(ref)s (%(customer)s) is near: due %(due)s.\n\n"
            "Open the ticket: %(url)s"
        ) % {
            "clock": _clock_name(clock).lower(),
            "ref": ticket.reference,
            "customer": ticket.customer,
            "due": moment_for(clock.due_at, user),
            "url": ticket_url(ticket),
        }
        return subject, body

    users_notify(
        [recipient],
        event_key=clock_event_key(clock, "warning"),
        topic="sla.warning",
        payload=payload,
        render=render,
        outbox=outbox,
    )


def breach_notify(clock: SlaClock, ticket: Ticket, *, outbox=None) -> None:
    """Breached: the team manager and the assignee."""
    payload = webhook_body(ticket, clock=clock.kind, sla=clock.summary())

    def render(user):
        subject = _("[%(ref)s] SLA breached: %(clock)s was due %(due)s") % {
            "ref": ticket.reference,
            "clock": _clock_name(clock),
            "due": moment_for(clock.due_at, user),
        }
        body = _(
            "The %(clock)s deadline of ticket %(ref)s (%(customer)s) passed at %(due)s.\n"
            "Assignee: %(assignee)s.\n\nOpen the ticket: %(url)s"
        ) % {
            "clock": _clock_name(clock).lower(),
            "ref": ticket.reference,
            "customer": ticket.customer,
            "due": moment_for(clock.due_at, user),
            "assignee": ticket.assignee or _("nobody"),
            "url": ticket_url(ticket),
        }
        return subject, body

    users_notify(
        [ticket.team.manager, ticket.assignee],
        event_key=clock_event_key(clock, "breached"),
        topic="sla.breached",
        payload=payload,
        render=render,
        outbox=outbox,
    )


def escalation_notify(
    clock: SlaClock, ticket: Ticket, *, level: int, users: list, outbox=None
) -> None:
    payload = webhook_body(ticket, clock=clock.kind, level=level, sla=clock.summary())

    def render(user):
        subject = _("[%(ref)s] Escalation level %(level)s: %(clock)s breached") % {
            "ref": ticket.reference,
            "level": level,
            "clock": _clock_name(clock),
        }
        body = _(
            "Ticket %(ref)s (%(customer)s) is still open; its %(clock)s deadline passed at "
            "%(due)s. Assignee: %(assignee)s.\n\nOpen the ticket: %(url)s"
        ) % {
            "ref": ticket.reference,
            "customer": ticket.customer,
            "clock": _clock_name(clock).lower(),
            "due": moment_for(clock.due_at, user),
            "assignee": ticket.assignee or _("nobody"),
            "url": ticket_url(ticket),
        }
        return subject, body

    users_notify(
        users,
        event_key=clock_event_key(clock, f"escalated:{level}"),
        topic="sla.escalated",
        payload=payload,
        render=render,
        outbox=outbox,
    )


def callback_notify(attempt: ContactAttempt, ticket: Ticket, *, outbox=None) -> None:
    recipient = ticket.assignee if ticket.assignee_id else ticket.team.manager
    payload = webhook_body(
        ticket, attempt=attempt.pk, callback_at=attempt.callback_at.isoformat(), note=attempt.note
    )

    def render(user):
        subject = _("[%(ref)s] Call back %(customer)s now") % {
            "ref": ticket.reference,
            "customer": ticket.customer,
        }
        body = _(
            "%(customer)s asked to be called back at %(when)s.\nPhone: %(phone)s\nNote: "
            "%(note)s\n\nOpen the ticket: %(url)s"
        ) % {
            "customer": ticket.customer,
            "when": moment_for(attempt.callback_at, user),
            "phone": ticket.customer.phone or "—",
            "note": attempt.note or "—",
            "url": ticket_url(ticket),
        }
        return subject, body

    users_notify(
        [recipient],
        event_key=f"callback:{attempt.pk}",
        topic="ticket.callback_due",
        payload=payload,
        render=render,
        outbox=outbox,
    )
