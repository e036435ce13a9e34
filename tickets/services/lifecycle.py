"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla import clocks as sla_clocks
from surveys.models import Category, Response
from tickets import notify as ticket_notify
from tickets import rerate, routing
from tickets.events import event_record
from tickets.exceptions import (
    InvalidTransition,
    TicketActionError,
    TicketClosed,
)
from tickets.models import (
    OPEN_STATUSES,
    Status,
    Team,
    Ticket,
    TicketEvent,
)


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
        open_ticket = ticket_recently_resolved(response, now)
        if open_ticket is not None:
            reopen_for_answer(open_ticket, response, now)
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
    sla_clocks.clocks_start(ticket, now)
    ticket_notify.ticket_opened_notify(ticket)
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


def ticket_locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for this transaction.

    No joins here: on PostgreSQL a row re-read after waiting for the lock keeps the
    joined rows of the old version (e.g. a NULL assignee), so relations load afterwards.
    """
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def ticket_sync(target: Ticket, source: Ticket) -> Ticket:
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


def status_move(ticket: Ticket, status: str, *, by, now: dt.datetime, data=None) -> None:
    """Moves the (locked) ticket and keeps the SLA clocks in step with waiting."""
    previous = ticket.status
    if previous == status:
        return
    if status == Status.WAITING_ON_CUSTOMER:
        sla_clocks.clocks_pause(ticket, now)
    elif previous == Status.WAITING_ON_CUSTOMER:
        sla_clocks.clocks_resume(ticket, now)
    ticket.status = status
    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS_CHANGED,
        actor=by,
        data={"from": previous, "to": status, **(data or {})},
        at=now,
    )


def ticket_require_open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise TicketClosed(
            _("Ticket %(ref)s is %(status)s; reopen it first.")
            % {"ref": ticket.reference, "status": ticket.get_status_display()}
        )


@transaction.atomic
def ticket_status_set(*, ticket: Ticket, by, status: str, now: dt.datetime | None = None) -> Ticket:
    """in_progress ⇄ waiting_on_customer (pauses SLA clocks), resolved → closed."""
    now = now or timezone.now()
    locked = ticket_locked(ticket)
    allowed = allowed_status_targets(locked.status)
    if status == locked.status:
        return ticket_sync(ticket, locked)
    if status not in allowed:
        raise InvalidTransition(locked.status, status, allowed)
    if status == Status.CLOSED:
        return ticket_sync(ticket, close_locked(locked, by=by, now=now))
    status_move(locked, status, by=by, now=now)
    locked.save(update_fields=["status", "updated_at"])
    return ticket_sync(ticket, locked)


# --- reopen and close -------------------------------------------------------------------


def ticket_recently_resolved(response: Response, now: dt.datetime) -> Ticket | None:
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


def reopen_for_answer(ticket: Ticket, response, now: dt.datetime) -> Ticket:
    """A detractor answer on a recently resolved ticket (locked): back to work, noted as
    automatic with the answer that did it."""
    return reopen_locked(
        ticket,
        by=None,
        reason=str(_("The customer answered again as a detractor.")),
        now=now,
        data={"automatic": True, "response": response.pk},
    )


def reopen_locked(ticket: Ticket, *, by, reason: str, now: dt.datetime, data=None) -> Ticket:

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
    sla_clocks.resolution_clock_restart(ticket, now)
    rerate.rerate_cancel_pending(ticket=ticket, now=now)
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, by, reason: str, now: dt.datetime | None = None) -> Ticket:
    """Back to work after resolution, with a reason on the timeline."""
    now = now or timezone.now()
    locked = ticket_locked(ticket)
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
    reopen_locked(locked, by=by, reason=reason, now=now)
    return ticket_sync(ticket, locked)


def close_locked(locked: Ticket, *, by, now: dt.datetime) -> Ticket:
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
    locked = ticket_locked(ticket)
    if locked.status == Status.CLOSED:
        return ticket_sync(ticket, locked)
    if locked.status != Status.RESOLVED:
        raise InvalidTransition(locked.status, Status.CLOSED, allowed_status_targets(locked.status))
    return ticket_sync(ticket, close_locked(locked, by=by, now=now))


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
            close_locked(ticket, by=None, now=now)
            closed += 1
    return closed
