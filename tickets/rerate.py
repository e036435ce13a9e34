"""Closing the loop: ask the customer to rate again after resolution, once, by a link.

The invitation row is written at resolution with a send time in the future; the
periodic job emails it through the outbox when due. The link carries a signed,
timestamped invitation id (no login); it expires and works once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.services import notify
from tickets.events import event_record
from tickets.models import RerateInvitation, Resolution, Ticket, TicketEvent

SALT = "tickets.rerate"


class LinkInvalid(Exception):
    """Tampered or unknown link."""


class LinkExpired(Exception):
    pass


class LinkUsed(Exception):
    def __init__(self, invitation: RerateInvitation):
        super().__init__("already answered")
        self.invitation = invitation


def link_max_age() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "RERATE_LINK_MAX_AGE_DAYS", 14))


def customer_language(locale: str) -> str:
    """'ru-RU' → 'ru'; anything we do not speak → the default language."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    known = {c for c, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def rerate_invite(
    *, ticket: Ticket, resolution: Resolution | None, now: dt.datetime
) -> RerateInvitation | None:
    """At resolution: schedules the invitation, if the survey wants it and we have an email."""
    survey = ticket.origin_response.survey
    email = ticket.customer.email
    if not survey.rerate_enabled or not email:
        return None
    return RerateInvitation.objects.create(
        ticket=ticket,
        resolution=resolution,
        email=email,
        locale=customer_language(ticket.customer.locale),
        created_at=now,
        send_at=now + dt.timedelta(hours=survey.rerate_delay_hours),
    )


def rerate_cancel_pending(*, ticket: Ticket, now: dt.datetime) -> int:
    """On reopen: an invitation not yet sent would ask about a problem still open."""
    return RerateInvitation.objects.filter(
        ticket=ticket, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)


def token_make(invitation: RerateInvitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(invitation.pk))


def link_for(invitation: RerateInvitation) -> str:
    path = reverse("rerate", kwargs={"token": token_make(invitation)})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def invitation_from_token(token: str) -> RerateInvitation:
    """The invitation a link names; raises LinkInvalid, LinkExpired or LinkUsed."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        pk = signer.unsign(token, max_age=link_max_age())
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    invitation = (
        RerateInvitation.objects.select_related(
            "ticket__customer", "ticket__origin_response__survey"
        )
        .filter(pk=pk, sent_at__isnull=False)
        .first()
    )
    if invitation is None:
        raise LinkInvalid()
    if invitation.used_at is not None:
        raise LinkUsed(invitation)
    return invitation


def _email(invitation: RerateInvitation) -> tuple[str, str]:
    ticket = invitation.ticket
    survey = ticket.origin_response.survey
    with translation.override(invitation.locale or settings.LANGUAGE_CODE):
        subject = _("Did we put it right? One question about %(survey)s") % {"survey": survey.name}
        body = _(
            "Hello %(name)s,\n\nWe followed up on your feedback (%(ref)s). Would you rate us "
            "again? One click, no login:\n\n%(link)s\n\nThe link works once and expires in "
            "%(days)d days.\n"
        ) % {
            "name": ticket.customer.name or "",
            "ref": ticket.reference,
            "link": link_for(invitation),
            "days": link_max_age().days,
        }
    return subject, body


def rerate_invitations_send(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Periodic: emails the invitations that are due. Returns how many were queued."""
    now = now or timezone.now()
    due = list(
        RerateInvitation.objects.filter(
            sent_at__isnull=True, cancelled_at__isnull=True, send_at__lte=now
        )
        .order_by("send_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            invitation = (
                RerateInvitation.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True, cancelled_at__isnull=True)
                .first()
            )
            if invitation is None:
                continue
            invitation = RerateInvitation.objects.select_related(
                "ticket__customer", "ticket__origin_response__survey", "ticket__team"
            ).get(pk=invitation.pk)
            subject, body = _email(invitation)
            notify(
                event_key=f"rerate:{invitation.pk}",
                topic="ticket.rerate_invited",
                payload={"ticket": invitation.ticket_id, "invitation": invitation.pk},
                emails=[invitation.email],
                email_subject=subject,
                email_body=body,
            )
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
            event_record(
                ticket=invitation.ticket,
                kind=TicketEvent.Kind.RERATE_INVITED,
                data={"invitation": invitation.pk, "email": invitation.email},
                at=now,
            )
            sent += 1
    return sent
