"""What the answers CSV holds: the viewer's scope and the dashboard's filters."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import params as report_params
from reports.selectors import Period, responses_filtered
from surveys.models import Response
from tickets.selectors import responses_visible_to, teams_managed_by, user_is_admin
from web import forms


class BadExportFilter(ValueError):
    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param
        self.message = message


def _period(params, days) -> Period:
    """start/end when given, else the dashboard's "last N days" (30 by default)."""
    if params.get("start") or params.get("end"):
        return report_params.parse_period(params, tzinfo=timezone.get_current_timezone())
    return Period(start=timezone.now() - dt.timedelta(days=int(days or 30)), end=None)


def export_responses_queryset(*, user, params) -> QuerySet[Response]:
    """The dashboard's filters (days or start/end, survey, segment, team) within the
    teams the user manages; admins without a team filter get every answer."""
    teams = teams_managed_by(user)
    for key, value in params.items():
        if "\x00" in value:
            raise BadExportFilter(key, _("Null characters are not allowed."))
    rest = params.copy()
    rest.pop("survey", None)  # the dashboard sends its id, links and scripts its slug
    form = forms.DashboardFilterForm(rest, teams=teams)
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise BadExportFilter(field, " ".join(messages))
    filters = form.cleaned_data
    try:
        survey = report_params.parse_survey(params)
        period = _period(params, filters.get("days"))
    except report_params.BadParam as exc:
        raise BadExportFilter(exc.param, exc.message) from None
    team = filters.get("team")
    if team is not None:
        scope = responses_visible_to(user, teams=teams.filter(pk=team.pk))
    elif user_is_admin(user):
        scope = responses_visible_to(user)
    else:
        scope = responses_visible_to(user, teams=teams)
    qs = responses_filtered(survey=survey, segment=filters.get("segment") or None, period=period)
    return qs.filter(pk__in=scope.values("pk"))
