"""What tickets tell people (opened, assigned, SLA warnings, breaches, escalations,
callbacks): emails rendered in each recipient's language and time zone, and one webhook
per subscribed endpoint. Rows go to the outbox in the caller's
transaction; the event key makes each (event, channel, recipient) unique."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications.services import Email, deliveries_enqueue
from tickets.models import ContactAttempt, SlaClock, Ticket


def clock_event_key(clock: SlaClock, what: str) -> str:
    """Unique per clock run: a reopened ticket's new resolution clock notifies again."""
    return f"sla:{clock.pk}:{int(clock.started_at.timestamp())}:{what}"


def _payload(ticket: Ticket, **extra) -> dict:
    from tickets.services import ticket_payload

    return {"ticket": ticket_payload(ticket), **extra}


def _when(moment: dt.datetime | None, user) -> str:
    if moment is None:
        return "—"
    zone = getattr(user, "time_zone", "") or settings.TIME_ZONE
    local = timezone.localtime(moment, timezone=_zone(zone))
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone})"


def _zone(name: str):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _ticket_url(ticket: Ticket) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/tickets/{ticket.pk}/"


def _send(users, *, event_key: str, topic: str, payload: dict, render, outbox=None) -> None:
    emails, seen = [], set()
    for user in users:
        if user is None or not user.email or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = render(user)
            emails.append(Email(user.email, str(subject), str(body)))
    deliveries_enqueue(
        event_key=event_key, topic=topic, payload=payload, emails=emails, outbox=outbox
    )


def _clock_name(clock: SlaClock) -> str:
    return str(SlaClock.Kind(clock.kind).label)


def warning_notify(clock: SlaClock, ticket: Ticket, *, outbox=None) -> None:
    """At risk: the assignee (the team manager while nobody is assigned)."""
    from tickets.sla import clock_summary

    recipient = ticket.assignee if ticket.assignee_id else ticket.team.manager
    payload = _payload(ticket, clock=clock.kind, sla=clock_summary(clock))

    def render(user):
        subject = _("[%(ref)s] SLA at risk: %(clock)s due %(due)s") % {
            "ref": ticket.reference,
            "clock": _clock_name(clock),
            "due": _when(clock.due_at, user),
        }
        body = _(
            "The %(clock)s deadline of ticket %(ref)s (%(customer)s) is near: due %(due)s.\n\n"
            "Open the ticket: %(url)s"
        ) % {
            "clock": _clock_name(clock).lower(),
            "ref": ticket.reference,
            "customer": ticket.customer,
            "due": _when(clock.due_at, user),
            "url": _ticket_url(ticket),
        }
        return subject, body

    _send(
        [recipient],
        event_key=clock_event_key(clock, "warning"),
        topic="sla.warning",
        payload=payload,
        render=render,
        outbox=outbox,
    )


def breach_notify(clock: SlaClock, ticket: Ticket, *, outbox=None) -> None:
    """Breached: the team manager and the assignee."""
    from tickets.sla import clock_summary

    payload = _payload(ticket, clock=clock.kind, sla=clock_summary(clock))

    def render(user):
        subject = _("[%(ref)s] SLA breached: %(clock)s was due %(due)s") % {
            "ref": ticket.reference,
            "clock": _clock_name(clock),
            "due": _when(clock.due_at, user),
        }
        body = _(
            "The %(clock)s deadline of ticket %(ref)s (%(customer)s) passed at %(due)s.\n"
            "Assignee: %(assignee)s.\n\nOpen the ticket: %(url)s"
        ) % {
            "clock": _clock_name(clock).lower(),
            "ref": ticket.reference,
            "customer": ticket.customer,
            "due": _when(clock.due_at, user),
            "assignee": ticket.assignee or _("nobody"),
            "url": _ticket_url(ticket),
        }
        return subject, body

    _send(
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
    from tickets.sla import clock_summary

    payload = _payload(ticket, clock=clock.kind, level=level, sla=clock_summary(clock))

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
            "due": _when(clock.due_at, user),
            "assignee": ticket.assignee or _("nobody"),
            "url": _ticket_url(ticket),
        }
        return subject, body

    _send(
        users,
        event_key=clock_event_key(clock, f"escalated:{level}"),
        topic="sla.escalated",
        payload=payload,
        render=render,
        outbox=outbox,
    )


def callback_notify(attempt: ContactAttempt, ticket: Ticket, *, outbox=None) -> None:
    recipient = ticket.assignee if ticket.assignee_id else ticket.team.manager
    payload = _payload(
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
            "when": _when(attempt.callback_at, user),
            "phone": ticket.customer.phone or "—",
            "note": attempt.note or "—",
            "url": _ticket_url(ticket),
        }
        return subject, body

    _send(
        [recipient],
        event_key=f"callback:{attempt.pk}",
        topic="ticket.callback_due",
        payload=payload,
        render=render,
        outbox=outbox,
    )


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
            "url": _ticket_url(ticket),
        }
        return subject, body

    _send(
        [ticket.assignee],
        event_key=f"ticket:{ticket.pk}:created",
        topic="ticket.created",
        payload=_payload(ticket),
        render=render,
        outbox=outbox,
    )


def ticket_assigned_notify(ticket: Ticket, assignee, now: dt.datetime) -> None:
    def render(user):
        subject = _("[%(ref)s] Assigned to you: %(customer)s") % {
            "ref": ticket.reference,
            "customer": ticket.customer,
        }
        return subject, _("Open the ticket: %(url)s") % {"url": _ticket_url(ticket)}

    _send(
        [assignee],
        event_key=f"ticket:{ticket.pk}:assigned:{assignee.pk}:{now.isoformat()}",
        topic="ticket.assigned",
        payload=_payload(ticket),
        render=render,
    )
