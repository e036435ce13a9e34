"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import pycountry
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Category, ContactChannel, Response
from tickets import routing, sla, sla_notify
from tickets.events import event_record
from tickets.exceptions import (
    ContactRequired,
    InvalidTransition,
    NotAllowed,
    OutsideContactWindow,
    TicketActionError,
    TicketAlreadyClaimed,
    TicketClosed,
)
from tickets.models import (
    OPEN_STATUSES,
    ContactAttempt,
    Resolution,
    ResolutionCode,
    RootCause,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.selectors import contact_window_allows, user_can_manage, user_is_admin


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
    if open_ticket is None:
        open_ticket = _recently_resolved(response, now)
        if open_ticket is not None:
            _reopen(
                open_ticket,
                by=None,
                reason=str(_("The customer answered again as a detractor.")),
                now=now,
                data={"automatic": True, "response": response.pk},
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
    sla_notify.ticket_opened_notify(ticket)
    return ticket


# --- the state machine ------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED),
    Status.IN_PROGRESS: (Status.WAITING_ON_CUSTOMER, Status.RESOLVED),
    Status.WAITING_ON_CUSTOMER: (Status.IN_PROGRESS, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),  # in_progress = reopen
    Status.CLOSED: (Status.IN_PROGRESS,),  # reopen
}
# What POST .../status/ may ask for; resolving and reopening have their own actions.
SETTABLE = (Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.CLOSED)
REOPENABLE = (Status.RESOLVED, Status.CLOSED)


def allowed_status_targets(status: str) -> list[str]:
    """Targets POST .../status/ accepts from this status (resolve/reopen excluded)."""
    targets = [t for t in TRANSITIONS.get(status, ()) if t in SETTABLE]
    if status in REOPENABLE:
        targets = [t for t in targets if t != Status.IN_PROGRESS]
    return [str(t) for t in targets]


def _locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for this transaction.

    No joins here: on PostgreSQL a row re-read after waiting for the lock keeps the
    joined rows of the old version (e.g. a NULL assignee), so relations load afterwards.
    """
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _sync(target: Ticket, source: Ticket) -> Ticket:
    """Copies the fresh row into the caller's object so it sees the change."""
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    if target is source:
        return target
    for name in ("team", "assignee", "customer"):
        field = Ticket._meta.get_field(name)
        if field.is_cached(source):
            field.set_cached_value(target, field.get_cached_value(source))
        elif field.is_cached(target):
            field.delete_cached_value(target)
    return target


def _set_status(ticket: Ticket, status: str, *, by, now: dt.datetime, data=None) -> None:
    """Moves the (locked) ticket and keeps the SLA clocks in step with waiting."""
    previous = ticket.status
    if previous == status:
        return
    if status == Status.WAITING_ON_CUSTOMER:
        sla.clocks_pause(ticket, now)
    elif previous == Status.WAITING_ON_CUSTOMER:
        sla.clocks_resume(ticket, now)
    ticket.status = status
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS_CHANGED,
        actor=by,
        data={"from": previous, "to": status, **(data or {})},
        at=now,
    )


def _require_open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise TicketClosed(
            _("Ticket %(ref)s is %(status)s; reopen it first.")
            % {"ref": ticket.reference, "status": ticket.get_status_display()}
        )


def _user_works_team(user, team: Team) -> bool:
    if user is None or user_is_admin(user) or team.manager_id == user.pk:
        return True
    return team.members.filter(pk=user.pk).exists()


@transaction.atomic
def ticket_status_set(*, ticket: Ticket, by, status: str, now: dt.datetime | None = None) -> Ticket:
    """in_progress ⇄ waiting_on_customer (pauses SLA clocks), resolved → closed."""
    now = now or timezone.now()
    locked = _locked(ticket)
    allowed = allowed_status_targets(locked.status)
    if status == locked.status:
        return _sync(ticket, locked)
    if status not in allowed:
        raise InvalidTransition(locked.status, status, allowed)
    if status == Status.CLOSED:
        return _sync(ticket, _close(locked, by=by, now=now))
    _set_status(locked, status, by=by, now=now)
    locked.save(update_fields=["status", "updated_at"])
    return _sync(ticket, locked)


# --- assignment -------------------------------------------------------------------------


@transaction.atomic
def ticket_claim(*, ticket: Ticket, by, now: dt.datetime | None = None) -> Ticket:
    """Takes an unassigned ticket. The row lock makes two simultaneous claims queue up:
    the first wins, the second sees the holder and is refused."""
    now = now or timezone.now()
    locked = _locked(ticket)
    _require_open(locked)
    if locked.assignee_id is not None:
        if locked.assignee_id == by.pk:
            return _sync(ticket, locked)
        raise TicketAlreadyClaimed(locked.assignee)
    if not _user_works_team(by, locked.team):
        raise NotAllowed(
            _("You are not an agent of team %(team)s.") % {"team": locked.team.name},
            field="assignee",
        )
    locked.assignee = by
    locked.save(update_fields=["assignee", "updated_at"])
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=by,
        data={"from": None, "to": by.pk, "team": locked.team.slug, "claimed": True},
        at=now,
    )
    return _sync(ticket, locked)


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, by, assignee, team: Team | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Reassigns (assignee None = back to the team queue), optionally to another team.

    Agents hand tickets to colleagues of the same team; managers move them between the
    teams they manage; admins anywhere. The assignee must be an agent (or the manager)
    of the target team.
    """
    now = now or timezone.now()
    locked = _locked(ticket)
    _require_open(locked)
    target_team = team or locked.team
    if target_team.pk != locked.team_id:
        if not (user_can_manage(by, locked.team) and user_can_manage(by, target_team)):
            raise NotAllowed(
                _("Only a manager of both teams may move the ticket to %(team)s.")
                % {"team": target_team.name},
                field="team",
            )
    elif not _user_works_team(by, locked.team):
        raise NotAllowed(
            _("You are not an agent of team %(team)s.") % {"team": locked.team.name},
            field="assignee",
        )
    if assignee is not None:
        if not assignee.is_active:
            raise TicketActionError(
                _("%(user)s is not an active user.") % {"user": str(assignee)}, field="assignee"
            )
        is_member = target_team.members.filter(pk=assignee.pk).exists()
        if not (is_member or target_team.manager_id == assignee.pk):
            raise TicketActionError(
                _("%(user)s is not an agent of team %(team)s.")
                % {"user": str(assignee), "team": target_team.name},
                field="assignee",
            )
    previous_team, previous_assignee = locked.team, locked.assignee_id
    new_assignee_id = assignee.pk if assignee is not None else None
    if previous_team.pk == target_team.pk and previous_assignee == new_assignee_id:
        return _sync(ticket, locked)
    locked.team = target_team
    locked.assignee = assignee
    locked.save(update_fields=["team", "assignee", "updated_at"])
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=by,
        data={
            "from": previous_assignee,
            "to": new_assignee_id,
            "from_team": previous_team.slug,
            "team": target_team.slug,
        },
        at=now,
    )
    if assignee is not None and assignee != by:
        sla_notify.ticket_assigned_notify(locked, assignee, now)
    return _sync(ticket, locked)


# --- contact attempts -------------------------------------------------------------------

CONTACTS_PER_DAY = 3


def _choice(value, choices, field: str) -> str:
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
    """Records one try to reach the customer. The first meets the first-contact clock and
    starts the work (new → in_progress). More than three tries on one customer within
    24 hours are recorded but flagged. The same idempotency key records once."""
    now = now or timezone.now()
    locked = _locked(ticket)  # serializes attempts on this ticket, keys included
    if idempotency_key:
        existing = ContactAttempt.objects.filter(
            ticket=locked, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    if locked.status == Status.CLOSED:
        _require_open(locked)
    _choice(channel, ContactChannel, "channel")
    _choice(outcome, ContactAttempt.Outcome, "outcome")
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
    if locked.first_contacted_at is None:
        locked.first_contacted_at = occurred_at
        fields.append("first_contacted_at")
        sla.clock_meet(locked, "first_contact", occurred_at)
    if locked.status == Status.NEW:
        _set_status(locked, Status.IN_PROGRESS, by=by, now=now, data={"reason": "first_contact"})
        fields.append("status")
    locked.save(update_fields=fields)
    _sync(ticket, locked)
    return attempt


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


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    by,
    code,
    root_cause=None,
    note: str = "",
    goodwill: dict | None = None,
    now: dt.datetime | None = None,
) -> Resolution:
    """Closes the work with a cause. Needs a contact attempt unless the code says the
    customer could not be reached. Invites the customer to rate again."""
    from tickets import rerate

    now = now or timezone.now()
    locked = _locked(ticket)
    _require_open(locked)
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
        resolved_at=now,
    )
    previous = locked.status
    if previous == Status.WAITING_ON_CUSTOMER:
        sla.clocks_resume(locked, now)
    locked.status = Status.RESOLVED
    locked.resolved_at = now
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
    sla.clock_meet(locked, "resolution", now)
    rerate.rerate_invite(ticket=locked, resolution=resolution, now=now)
    _sync(ticket, locked)
    return resolution


# --- reopen and close -------------------------------------------------------------------


def _recently_resolved(response: Response, now: dt.datetime) -> Ticket | None:
    """The customer's ticket resolved within the survey's reopen window, if any."""
    days = response.survey.reopen_within_days
    if not days:
        return None
    return (
        Ticket.objects.select_for_update()
        .filter(
            customer_id=response.customer_id,
            status__in=REOPENABLE,
            resolved_at__gte=now - dt.timedelta(days=days),
        )
        .order_by("-resolved_at")
        .first()
    )


def _reopen(ticket: Ticket, *, by, reason: str, now: dt.datetime, data=None) -> Ticket:
    from tickets import rerate

    previous = ticket.status
    ticket.status = Status.IN_PROGRESS
    ticket.reopened_count += 1
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.save(
        update_fields=["status", "reopened_count", "resolved_at", "closed_at", "updated_at"]
    )
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.REOPENED,
        actor=by,
        data={"from": previous, "reason": reason, **(data or {})},
        at=now,
    )
    sla.resolution_clock_restart(ticket, now)
    rerate.rerate_cancel_pending(ticket=ticket, now=now)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, by, reason: str, now: dt.datetime | None = None) -> Ticket:
    """Back to work after resolution, with a reason on the timeline."""
    now = now or timezone.now()
    locked = _locked(ticket)
    if locked.status not in REOPENABLE:
        raise InvalidTransition(
            locked.status, "reopen", allowed_status_targets(locked.status), field="status"
        )
    reason = (reason or "").strip()
    if not reason:
        raise TicketActionError(_("Say why the ticket is reopened."), field="reason")
    other = (
        Ticket.objects.filter(customer_id=locked.customer_id, status__in=OPEN_STATUSES)
        .exclude(pk=locked.pk)
        .first()
    )
    if other is not None:
        raise TicketClosed(
            _("The customer already has open ticket %(ref)s; work on that one.")
            % {"ref": other.reference},
            field="non_field_errors",
        )
    _reopen(locked, by=by, reason=reason, now=now)
    return _sync(ticket, locked)


def _close(locked: Ticket, *, by, now: dt.datetime) -> Ticket:
    locked.status = Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.CLOSED,
        actor=by,
        data={"from": Status.RESOLVED, "automatic": by is None},
        at=now,
    )
    return locked


@transaction.atomic
def ticket_close(*, ticket: Ticket, by=None, now: dt.datetime | None = None) -> Ticket:
    """resolved → closed (by hand, or by the auto-close job with by=None)."""
    now = now or timezone.now()
    locked = _locked(ticket)
    if locked.status == Status.CLOSED:
        return _sync(ticket, locked)
    if locked.status != Status.RESOLVED:
        raise InvalidTransition(locked.status, Status.CLOSED, allowed_status_targets(locked.status))
    return _sync(ticket, _close(locked, by=by, now=now))


def tickets_autoclose(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Periodic: closes tickets resolved TICKET_AUTOCLOSE_DAYS ago (no new detractor
    answer reopened them meanwhile). One short transaction per ticket."""
    now = now or timezone.now()
    days = getattr(settings, "TICKET_AUTOCLOSE_DAYS", 7)
    due = list(
        Ticket.objects.filter(
            status=Status.RESOLVED, resolved_at__lte=now - dt.timedelta(days=days)
        )
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Status.RESOLVED)
                .first()
            )
            if ticket is None:
                continue
            _close(ticket, by=None, now=now)
            closed += 1
    return closed
