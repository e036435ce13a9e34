"""Staff pages. Views parse input, call selectors and tickets.services, render templates."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
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
from tickets.selectors import (
    teams_managed_by,
    tickets_visible_to,
)
from tickets.services import assignment
from web import export, forms, labels, selectors
from web.export_scope import BadExportFilter, export_responses_queryset
from web.services import user_language_set
from web.view_helpers import error_text, is_htmx, user_is_manager


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
    if user_is_manager(request.user):
        return redirect("dashboard")
    return redirect("queue", view="mine")


@login_required
def queue(request, view: str):
    if view not in selectors.QUEUE_VIEWS:
        return redirect("queue", view="mine")
    is_manager = user_is_manager(request.user)
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
        if is_htmx(request) and request.GET.get("partial")
        else "web/queue.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def bulk_assign(request):
    if not user_is_manager(request.user):
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
            failed.append(f"{ticket.reference}: {error_text(exc)}")
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


@login_required
def dashboard(request):
    if not user_is_manager(request.user):
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
    if view not in selectors.QUEUE_VIEWS or (view == "all" and not user_is_manager(request.user)):
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
    if not user_is_manager(request.user):
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
