"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import pycountry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla import clocks as sla_clocks
from tickets import rerate
from tickets.events import event_record
from tickets.exceptions import (
    ContactRequired,
    TicketActionError,
)
from tickets.models import (
    Resolution,
    ResolutionCode,
    RootCause,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.services.lifecycle import ticket_locked, ticket_require_open, ticket_sync

# --- resolution -------------------------------------------------------------------------

GOODWILL_KINDS = Resolution.GoodwillKind


def currency_known(code: str) -> bool:
    """ISO 4217 from pycountry: the full, maintained list, not a hand-kept subset."""
    return bool(code) and pycountry.currencies.get(alpha_3=code.upper()) is not None


def goodwill_clean(goodwill) -> dict | None:
    """{"kind", "amount", "currency"} → validated values; errors name goodwill.<field>."""
    if goodwill in (None, {}):
        return None
    if not isinstance(goodwill, dict):
        raise TicketActionError(
            _("Goodwill must be an object with kind, amount and currency."), field="goodwill"
        )
    kind = goodwill.get("kind")
    if kind not in GOODWILL_KINDS.values:
        raise TicketActionError(
            _("Unknown goodwill kind '%(value)s'; expected one of: %(choices)s.")
            % {"value": kind, "choices": ", ".join(GOODWILL_KINDS.values)},
            field="goodwill.kind",
        )
    amount = goodwill.get("amount")
    currency = goodwill.get("currency") or ""
    if amount is None:
        if currency:
            raise TicketActionError(_("A currency needs an amount."), field="goodwill.amount")
        return {"kind": kind, "amount": None, "currency": ""}
    if isinstance(amount, bool):
        amount = "invalid"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise TicketActionError(
            _("The amount must be a number."), field="goodwill.amount"
        ) from None
    if not value.is_finite() or value < 0:
        raise TicketActionError(_("The amount must be zero or more."), field="goodwill.amount")
    if value >= Decimal("1e10") or value != value.quantize(Decimal("0.01")):
        raise TicketActionError(
            _("The amount must have at most 10 digits and 2 decimals."), field="goodwill.amount"
        )
    if not isinstance(currency, str) or not currency_known(currency):
        raise TicketActionError(
            _("Unknown currency '%(value)s'; use an ISO 4217 code such as EUR or RUB.")
            % {"value": currency},
            field="goodwill.currency",
        )
    return {"kind": kind, "amount": value, "currency": currency.upper()}


def _resolution_code(code) -> ResolutionCode:
    if isinstance(code, ResolutionCode):
        return code
    found = ResolutionCode.objects.filter(code=code, is_active=True).first() if code else None
    if found is None:
        raise TicketActionError(
            _("Unknown resolution code '%(value)s'.") % {"value": code or ""},
            field="resolution_code",
        )
    return found


def _root_cause(cause) -> RootCause | None:
    if cause in (None, "") or isinstance(cause, RootCause):
        return cause or None
    found = RootCause.objects.filter(code=cause, is_active=True).first()
    if found is None:
        raise TicketActionError(
            _("Unknown root cause '%(value)s'.") % {"value": cause}, field="root_cause"
        )
    return found


def _resolved_at_check(ticket: Ticket, resolved_at: dt.datetime | None, now: dt.datetime):
    """A backdated resolution lies between the ticket's (re)opening (the start of its
    resolution clock) and now."""
    if resolved_at is None:
        return now
    if resolved_at > now + dt.timedelta(seconds=60):
        raise TicketActionError(
            _("The resolution time cannot be in the future."), field="resolved_at"
        )
    clock = ticket.clocks.filter(kind="resolution").only("started_at").first()
    opened = clock.started_at if clock is not None else ticket.created_at
    if resolved_at < opened:
        raise TicketActionError(
            _("The resolution time is before the ticket was opened."), field="resolved_at"
        )
    return min(resolved_at, now)


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    by,
    code,
    root_cause=None,
    note: str = "",
    goodwill: dict | None = None,
    resolved_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Resolution:
    """Closes the work with a cause. Needs a contact attempt unless the code says the
    customer could not be reached. Invites the customer to rate again.

    resolved_at (default now) is when the work was done, for a resolution logged later:
    the resolution clock follows it (on time stays on time, see sla.clocks.clock_meet)."""

    now = now or timezone.now()
    locked = ticket_locked(ticket)
    ticket_require_open(locked)
    resolved_at = _resolved_at_check(locked, resolved_at, now)
    code = _resolution_code(code)
    cause = _root_cause(root_cause)
    cleaned = goodwill_clean(goodwill)
    if code.requires_contact and not locked.contact_attempts.exists():
        raise ContactRequired(
            _(
                "Log at least one contact attempt before resolving, or use a code that "
                "needs none (e.g. customer unreachable)."
            ),
            field="resolution_code",
        )
    resolution = Resolution.objects.create(
        ticket=locked,
        code=code,
        root_cause=cause,
        note=note or "",
        goodwill_kind=cleaned["kind"] if cleaned else "",
        goodwill_amount=cleaned["amount"] if cleaned else None,
        goodwill_currency=cleaned["currency"] if cleaned else "",
        resolved_by=by,
        resolved_at=resolved_at,
    )
    previous = locked.status
    if previous == Status.WAITING_ON_CUSTOMER:
        sla_clocks.clocks_resume(locked, now)
    locked.status = Status.RESOLVED
    locked.resolved_at = resolved_at
    locked.save(update_fields=["status", "resolved_at", "updated_at"])
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.RESOLVED,
        actor=by,
        data={
            "from": previous,
            "resolution": resolution.pk,
            "code": code.code,
            "root_cause": cause.code if cause else None,
            "goodwill": (
                {
                    "kind": cleaned["kind"],
                    "amount": str(cleaned["amount"]) if cleaned["amount"] is not None else None,
                    "currency": cleaned["currency"],
                }
                if cleaned
                else None
            ),
        },
        at=now,
    )
    sla_clocks.clock_meet(locked, "resolution", resolved_at, now=now)
    rerate.rerate_invite(ticket=locked, resolution=resolution, now=now)
    ticket_sync(ticket, locked)
    return resolution
