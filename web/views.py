"""Staff pages. Views parse input, call selectors and tickets.services, render templates."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports.selectors import NPS_BAND_LABELS, Period
from surveys.models import Customer
from tickets.exceptions import TicketActionError
from tickets.models import Status
from tickets.selectors import (
    teams_managed_by,
    teams_worked_by,
    ticket_for_action,
    tickets_visible_to,
)
from tickets.selectors import ticket_detail as ticket_detail_select
from tickets.services import assignment, contacts, lifecycle, resolving
from web import export, forms, labels, selectors
from web.export_scope import BadExportFilter, export_responses_queryset
from web.services import user_language_set


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _is_manager(user) -> bool:
    return user.is_superuser or teams_managed_by(user).exists()


def _segments() -> list[str]:
    """Known segments for the filter; a distinct scan of all customers, so cached."""
    return cache.get_or_set(
        "web:segments",
        lambda: list(
            Customer.objects.exclude(segment="")
            .order_by("segment")
            .values_list("segment", flat=True)
            .distinct()[:50]
        ),
        timeout=600,
    )


@login_required
def home(request):
    """Where a login lands: managers on their dashboard, agents on their own queue."""
    if _is_manager(request.user):
        return redirect("dashboard")
    return redirect("queue", view="mine")


@login_required
def queue(request, view: str):
    if view not in selectors.QUEUE_VIEWS:
        return redirect("queue", view="mine")
    is_manager = _is_manager(request.user)
    if view == "all" and not is_manager:
        raise PermissionDenied
    form = forms.QueueFilterForm(request.GET or None, segments=_segments())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = timezone.now()
    page = selectors.queue_page(
        user=request.user, view=view, filters=filters, page=request.GET.get("page") or 1, now=now
    )
    rows = []
    for ticket in page.object_list:
        local, window_open = selectors.customer_local_time(ticket, now)
        rows.append({"t": ticket, "local": local, "window_open": window_open})
    bulk_form = None
    if is_manager and view in ("team", "all"):
        teams = teams_managed_by(request.user)
        bulk_form = forms.BulkAssignForm(
            tickets=tickets_visible_to(request.user).filter(team__in=teams),
            users=selectors.assignable_users(teams=teams),
        )
    query = request.GET.copy()
    query.pop("page", None)
    titles = {"mine": _("My tickets"), "team": _("My team"), "all": _("All my teams")}
    context = {
        "view": view,
        "title": titles[view],
        "form": form,
        "page": page,
        "rows": rows,
        "now": now,
        "is_manager": is_manager,
        "bulk_form": bulk_form,
        "query": query.urlencode(),
    }
    template = (
        "web/_queue_table.html"
        if _is_htmx(request) and request.GET.get("partial")
        else "web/queue.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def bulk_assign(request):
    if not _is_manager(request.user):
        raise PermissionDenied
    teams = teams_managed_by(request.user)
    form = forms.BulkAssignForm(
        request.POST,
        tickets=tickets_visible_to(request.user).filter(team__in=teams),
        users=selectors.assignable_users(teams=teams),
    )
    back = _safe_next(request, reverse("queue", kwargs={"view": "all"}))
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return HttpResponseRedirect(back)
    done, failed = 0, []
    for ticket in form.cleaned_data["tickets"]:
        try:
            assignment.ticket_assign(
                ticket=ticket, by=request.user, assignee=form.cleaned_data["assignee"]
            )
            done += 1
        except (TicketActionError, ValidationError) as exc:
            failed.append(f"{ticket.reference}: {_error_text(exc)}")
    if done:
        messages.success(request, _("%(n)s tickets reassigned.") % {"n": done})
    for line in failed:
        messages.error(request, line)
    return HttpResponseRedirect(back)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", "") or exc)


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
        "is_manager": _is_manager(request.user),
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
        text = _error_text(exc)
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
    if _is_htmx(request):
        return _ticket_render(request, ticket)
    return redirect("ticket", pk=pk)


@login_required
def dashboard(request):
    if not _is_manager(request.user):
        raise PermissionDenied
    teams = teams_managed_by(request.user)
    form = forms.DashboardFilterForm(request.GET or None, teams=teams)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    days = int(filters.get("days") or 30)
    now = timezone.now()
    period = Period(start=now - dt.timedelta(days=days), end=None)
    data = selectors.dashboard_data(
        teams=teams,
        team=filters.get("team"),
        survey=filters.get("survey"),
        segment=filters.get("segment") or None,
        period=period,
        now=now,
    )
    overall = data["nps"]["overall"]
    context = {
        "form": form,
        "d": data,
        "now": now,
        "band_label": NPS_BAND_LABELS.get(overall["band"], ""),
        "bucket_labels": [str(label) for label in labels.DURATION_BUCKETS],
        "nps_bands": getattr(settings, "NPS_BANDS", {"excellent": 50, "good": 10}),
    }
    return render(request, "web/dashboard.html", context)


@login_required
def export_tickets(request):
    view = request.GET.get("view") or "mine"
    if view not in selectors.QUEUE_VIEWS or (view == "all" and not _is_manager(request.user)):
        raise PermissionDenied
    form = forms.QueueFilterForm(request.GET or None, segments=_segments())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = timezone.now()
    qs = selectors.queue_annotated(
        selectors.queue_filtered(user=request.user, view=view, filters=filters, now=now), view=view
    )
    return export.csv_response("tickets.csv", export.TICKET_HEADER, export.ticket_rows(qs))


@login_required
def export_responses(request):
    if not _is_manager(request.user):
        raise PermissionDenied
    try:
        qs = export_responses_queryset(user=request.user, params=request.GET)
    except BadExportFilter as exc:
        return HttpResponseBadRequest(f"{exc.param}: {exc.message}")
    return export.csv_response("responses.csv", export.RESPONSE_HEADER, export.response_rows(qs))


@require_POST
def language(request):
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest()
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=code)
    translation.activate(code)
    response = HttpResponseRedirect(_safe_next(request, "/"))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 86400, samesite="Lax")
    return response
