"""The ticket page and its actions (claim, contact, status, resolve, assign, reopen): one
handler validates the action's form, calls the workflow's service and shows the result."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.exceptions import TicketActionError
from tickets.models import Status
from tickets.selectors import teams_worked_by, ticket_for_action
from tickets.selectors import ticket_detail as ticket_detail_select
from tickets.services import assignment, contacts, lifecycle, resolving
from web import forms, labels, selectors
from web.view_helpers import error_text, is_htmx, user_is_manager


def _ticket_forms(request, ticket, bound: dict | None = None):
    teams = teams_worked_by(request.user)
    users = selectors.assignable_users(team=ticket.team)
    forms_ = {
        "contact": forms.ContactAttemptForm(
            prefix="contact",
            initial={
                "channel": ticket.customer.preferred_channel or "phone",
                "idempotency_key": uuid.uuid4().hex,
            },
        ),
        "status": forms.StatusForm(prefix="status"),
        "resolve": forms.ResolveForm(
            prefix="resolve", declined=selectors.customer_declined(ticket)
        ),
        "assign": forms.AssignForm(
            prefix="assign",
            teams=teams,
            users=users,
            initial={"team": ticket.team_id, "assignee": ticket.assignee_id},
        ),
        "reopen": forms.ReopenForm(prefix="reopen"),
    }
    forms_.update(bound or {})
    return forms_


def _composer_open(open_form: str, contacted: bool) -> dict:
    """One composer action open at a time: the one with errors, else the likely next step."""
    if open_form in ("contact", "status", "resolve"):
        return {open_form: True}
    if open_form:
        return {}
    return {"resolve": True} if contacted else {"contact": True}


def _ticket_render(request, ticket, bound=None, status=200, open_form=""):
    now = timezone.now()
    data = selectors.ticket_page(ticket=ticket, user=request.user)
    local, window_open = selectors.customer_local_time(ticket, now)
    prev_pk, next_pk = selectors.queue_neighbours(user=request.user, ticket_pk=ticket.pk)
    context = {
        "composer_open": _composer_open(open_form, bool(data.contacts)),
        "sentences": labels.event_sentences(data.events),
        "prev_pk": prev_pk,
        "next_pk": next_pk,
        "p": data,
        "t": ticket,
        "now": now,
        "forms": _ticket_forms(request, ticket, bound),
        "customer_local": local,
        "window_open": window_open,
        "open_form": open_form,
        "is_manager": user_is_manager(request.user),
    }
    return render(request, "web/ticket.html", context, status=status)


@login_required
def ticket_detail(request, pk: int):
    ticket = ticket_detail_select(user=request.user, pk=pk)
    return _ticket_render(request, ticket)


def _do_claim(request, ticket, form):
    assignment.ticket_claim(ticket=ticket, by=request.user)
    return _("You took this ticket.")


@transaction.atomic
def _do_contact(request, ticket, form):
    """Logs the attempt; a reached customer means the work is back with us (in progress)."""
    d = form.cleaned_data
    contacts.contact_attempt_log(
        ticket=ticket,
        by=request.user,
        channel=d["channel"],
        outcome=d["outcome"],
        note=d["note"],
        occurred_at=d["occurred_at"],
        callback_at=d["callback_at"],
        idempotency_key=d["idempotency_key"] or None,
    )
    ticket.refresh_from_db(fields=["status"])
    if d["outcome"] == "reached" and ticket.status == Status.WAITING_ON_CUSTOMER:
        lifecycle.ticket_status_set(ticket=ticket, by=request.user, status=Status.IN_PROGRESS)
    return _("Contact attempt logged.")


def _do_status(request, ticket, form):
    lifecycle.ticket_status_set(ticket=ticket, by=request.user, status=form.cleaned_data["status"])
    return _("Status changed.")


def _do_resolve(request, ticket, form):
    d = form.cleaned_data
    resolving.ticket_resolve(
        ticket=ticket,
        by=request.user,
        code=d["code"],
        root_cause=d["root_cause"],
        note=d["note"],
        goodwill=form.goodwill(),
    )
    return _("Ticket resolved.")


def _do_assign(request, ticket, form):
    d = form.cleaned_data
    assignment.ticket_assign(ticket=ticket, by=request.user, assignee=d["assignee"], team=d["team"])
    return _("Assignment changed.")


def _do_reopen(request, ticket, form):
    lifecycle.ticket_reopen(ticket=ticket, by=request.user, reason=form.cleaned_data["reason"])
    return _("Ticket reopened.")


# Service error fields → form fields where the names differ.
SERVICE_FIELDS = {
    "resolution_code": "code",
    "goodwill": "goodwill_kind",
    "goodwill.kind": "goodwill_kind",
    "goodwill.amount": "goodwill_amount",
    "goodwill.currency": "goodwill_currency",
}

ACTIONS = {
    "claim": (None, _do_claim),
    "contact": (forms.ContactAttemptForm, _do_contact),
    "status": (forms.StatusForm, _do_status),
    "resolve": (forms.ResolveForm, _do_resolve),
    "assign": (forms.AssignForm, _do_assign),
    "reopen": (forms.ReopenForm, _do_reopen),
}


@login_required
@require_POST
def ticket_action(request, pk: int, action: str):
    """One handler for every ticket form: validate, call the service, show the result.

    htmx requests get the re-rendered page (htmx swaps the ticket body); others are
    redirected after success, or see the page again with the errors (422).
    """
    if action not in ACTIONS:
        return HttpResponseBadRequest()
    ticket = ticket_for_action(user=request.user, pk=pk)
    form_class, run = ACTIONS[action]
    form = None
    if form_class is not None:
        kwargs = {"prefix": action}
        if form_class is forms.ResolveForm:
            kwargs["declined"] = selectors.customer_declined(ticket)
        if form_class is forms.AssignForm:
            kwargs.update(
                teams=teams_worked_by(request.user),
                users=selectors.assignable_users(team=ticket.team),
            )
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            return _ticket_render(
                request,
                ticket_detail_select(user=request.user, pk=pk),
                {action: form},
                status=422,
                open_form=action,
            )
    try:
        message = run(request, ticket, form)
    except (TicketActionError, ValidationError) as exc:
        text = error_text(exc)
        field = getattr(exc, "field", None)
        field = SERVICE_FIELDS.get(field, field)
        if form is not None:
            if field and field in form.fields:
                form.add_error(field, text)
            else:
                form.add_error(None, text)
        else:
            messages.error(request, text)
        return _ticket_render(
            request, ticket, {action: form} if form else None, status=422, open_form=action
        )
    messages.success(request, message)
    ticket = ticket_detail_select(user=request.user, pk=pk)
    if is_htmx(request):
        return _ticket_render(request, ticket)
    return redirect("ticket", pk=pk)
