"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla import clocks as sla_clocks
from surveys.models import ContactChannel
from tickets.events import event_record
from tickets.exceptions import (
    OutsideContactWindow,
    TicketActionError,
)
from tickets.models import (
    ContactAttempt,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.models.contacts import OUTCOMES_BY_CHANNEL
from tickets.selectors import contact_window_allows
from tickets.services.lifecycle import status_move, ticket_locked, ticket_require_open, ticket_sync

# --- contact attempts -------------------------------------------------------------------

CONTACTS_PER_DAY = 3


def choice_check(value, choices, field: str) -> str:
    if value not in choices.values:
        raise TicketActionError(
            _("Unknown %(field)s '%(value)s'; expected one of: %(choices)s.")
            % {"field": field, "value": value, "choices": ", ".join(choices.values)},
            field=field,
        )
    return value


@transaction.atomic
def contact_attempt_log(
    *,
    ticket: Ticket,
    by,
    channel: str,
    outcome: str,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    callback_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> ContactAttempt:
    """Records one try to reach the customer. The first (under a "reached customer" policy:
    the first that reached them) meets the first-contact clock, by when it happened; any
    starts the work (new → in_progress). More than three tries on one customer within
    24 hours are recorded but flagged. The same idempotency key records once."""
    now = now or timezone.now()
    locked = ticket_locked(ticket)  # serializes attempts on this ticket, keys included
    if idempotency_key:
        existing = ContactAttempt.objects.filter(
            ticket=locked, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    if locked.status == Status.CLOSED:
        ticket_require_open(locked)
    if not outcome:
        raise TicketActionError(_("Choose the outcome of the attempt."), field="outcome")
    choice_check(channel, ContactChannel, "channel")
    choice_check(outcome, ContactAttempt.Outcome, "outcome")
    offered = [code for code, _label in OUTCOMES_BY_CHANNEL.get(channel, ())]
    if outcome not in offered:
        raise TicketActionError(
            _("Outcome '%(value)s' does not apply to %(channel)s; expected one of: %(choices)s.")
            % {"value": outcome, "channel": channel, "choices": ", ".join(offered)},
            field="outcome",
        )
    occurred_at = occurred_at or now
    if occurred_at > now + dt.timedelta(seconds=60):
        raise TicketActionError(_("The contact time cannot be in the future."), field="occurred_at")
    if occurred_at < locked.created_at - dt.timedelta(minutes=5):
        raise TicketActionError(
            _("The contact time is before the ticket was opened."), field="occurred_at"
        )
    if callback_at is not None:
        if outcome != ContactAttempt.Outcome.CALLBACK_REQUESTED:
            raise TicketActionError(
                _("A callback time goes with the outcome 'callback_requested'."),
                field="callback_at",
            )
        if callback_at <= now:
            raise TicketActionError(_("The callback time is in the past."), field="callback_at")
        if not contact_window_allows(ticket=locked, at=callback_at):
            raise OutsideContactWindow(
                _(
                    "Team %(team)s calls customers only between %(start)s and %(end)s "
                    "in the customer's time; pick a callback time inside that window."
                )
                % {
                    "team": locked.team.name,
                    "start": locked.team.contact_window_start.strftime("%H:%M"),
                    "end": locked.team.contact_window_end.strftime("%H:%M"),
                },
                field="callback_at",
            )
    recent = ContactAttempt.objects.filter(
        ticket__customer_id=locked.customer_id,
        occurred_at__gt=occurred_at - dt.timedelta(hours=24),
        occurred_at__lte=occurred_at,
    ).count()
    attempt = ContactAttempt.objects.create(
        ticket=locked,
        channel=channel,
        outcome=outcome,
        note=note or "",
        occurred_at=occurred_at,
        by=by,
        callback_at=callback_at,
        idempotency_key=idempotency_key or None,
        flagged_excessive=recent >= CONTACTS_PER_DAY,
    )
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.CONTACT_LOGGED,
        actor=by,
        data={
            "attempt": attempt.pk,
            "channel": channel,
            "outcome": outcome,
            "occurred_at": occurred_at.isoformat(),
            "callback_at": callback_at.isoformat() if callback_at else None,
        },
        at=now,
    )
    if attempt.flagged_excessive:
        event_record(
            ticket=locked,
            kind=TicketEvent.Kind.CONTACT_OVERFLOW,
            actor=by,
            data={"attempt": attempt.pk, "attempts_in_24h": recent + 1},
            at=now,
        )
    fields = ["updated_at"]
    # Under a "reached customer" policy a failed attempt is not a first contact: the
    # clock keeps running and the reports' time to first contact waits too.
    if sla_clocks.contact_meets_first_contact(locked.sla_policy, outcome):
        if locked.first_contacted_at is None or occurred_at < locked.first_contacted_at:
            locked.first_contacted_at = occurred_at
            fields.append("first_contacted_at")
        sla_clocks.clock_meet(locked, "first_contact", occurred_at, now=now)
    if locked.status == Status.NEW:
        status_move(locked, Status.IN_PROGRESS, by=by, now=now, data={"reason": "first_contact"})
        fields.append("status")
    locked.save(update_fields=fields)
    ticket_sync(ticket, locked)
    return attempt
