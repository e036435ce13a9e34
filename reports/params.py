"""Parsing report filters from query strings; shared by the API and the dashboard."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from reports.selectors import INTERVALS, Period
from surveys.models import Survey
from tickets.models import Team


class BadParam(ValueError):
    """A query parameter we cannot use; `param` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param
        self.message = message


def parse_moment(value: str, param: str, *, end: bool, tzinfo: dt.tzinfo) -> dt.datetime:
    """A date means the whole day in tzinfo: start at its midnight, end after it."""
    try:
        moment = parse_datetime(value) if "T" in value or " " in value else None
        if moment is not None:
            moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment, tzinfo)
            return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise BadParam(param, _("The date is out of range.")) from None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise BadParam(param, _("Expected a date (YYYY-MM-DD) or an ISO 8601 date-time."))
    if end:
        if day == dt.date.max:
            raise BadParam(param, _("The date is out of range."))
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time.min, tzinfo=tzinfo)


def parse_period(params, *, tzinfo: dt.tzinfo = dt.UTC) -> Period:
    start = params.get("start") or None
    end = params.get("end") or None
    period = Period(
        start=parse_moment(start, "start", end=False, tzinfo=tzinfo) if start else None,
        end=parse_moment(end, "end", end=True, tzinfo=tzinfo) if end else None,
    )
    if period.start and period.end and period.start >= period.end:
        raise BadParam("end", _("The end must come after the start."))
    return period


MAX_ID = 2**63 - 1


def _lookup(value: str, param: str) -> dict:
    """An ASCII id within bigint, or a slug; '²', '①' and NUL are not digits to the DB."""
    if "\x00" in value:
        raise BadParam(param, _("Null characters are not allowed."))
    if value.isascii() and value.isdigit():
        if int(value) > MAX_ID:
            raise BadParam(param, _("The id is out of range."))
        return {"pk": int(value)}
    return {"slug": value}


def parse_survey(params) -> Survey | None:
    value = params.get("survey") or None
    if value is None:
        return None
    lookup = _lookup(value, "survey")
    survey = Survey.objects.filter(**lookup).first()
    if survey is None:
        raise BadParam("survey", _("No survey %(value)s.") % {"value": value})
    return survey


def parse_team(params, teams=None) -> Team | None:
    value = params.get("team") or None
    if value is None:
        return None
    lookup = _lookup(value, "team")
    team = (teams if teams is not None else Team.objects.all()).filter(**lookup).first()
    if team is None:
        raise BadParam("team", _("No team %(value)s.") % {"value": value})
    return team


def parse_interval(params) -> str:
    interval = params.get("interval") or "week"
    if interval not in INTERVALS:
        raise BadParam("interval", _("Use one of: day, week, month."))
    return interval


def parse_segment(params) -> str | None:
    segment = (params.get("segment") or "").strip()
    if "\x00" in segment:
        raise BadParam("segment", _("Null characters are not allowed."))
    if len(segment) > 64:
        raise BadParam("segment", _("At most 64 characters."))
    return segment or None
