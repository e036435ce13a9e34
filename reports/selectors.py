"""The numbers: NPS and SLA statistics. The API and the dashboard both read them here.

Everything aggregates in the database. Percentiles use PostgreSQL's percentile_cont when
available and the same linear interpolation in Python elsewhere, so both agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.models import Category, Response
from tickets.models import SlaClock, Ticket

INTERVALS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


@dataclass(frozen=True)
class Period:
    """A half-open window [start, end); either side may be open."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None


def nps_value(promoters: int, detractors: int, total: int) -> float | None:
    """% promoters − % detractors, one decimal; None when nobody answered."""
    if not total:
        return None
    return round((promoters - detractors) * 100 / total, 1)


def nps_band(nps: float | None) -> str:
    """excellent / good / needs_work by the thresholds in settings (NPS_BANDS)."""
    if nps is None:
        return ""
    bands = getattr(settings, "NPS_BANDS", {"excellent": 50, "good": 10})
    if nps > bands["excellent"]:
        return "excellent"
    if nps >= bands["good"]:
        return "good"
    return "needs_work"


NPS_BAND_LABELS = {"excellent": _("Excellent"), "good": _("Good"), "needs_work": _("Needs work")}


def responses_filtered(
    *, survey=None, segment: str | None = None, period: Period = Period()
) -> QuerySet[Response]:
    qs = Response.objects.all()
    if survey is not None:
        qs = qs.filter(survey=survey)
    if segment:
        qs = qs.filter(customer__segment=segment)
    if period.start is not None:
        qs = qs.filter(responded_at__gte=period.start)
    if period.end is not None:
        qs = qs.filter(responded_at__lt=period.end)
    return qs


def _category_counts() -> dict:
    return {
        "promoters": Count("id", filter=Q(category=Category.PROMOTER)),
        "passives": Count("id", filter=Q(category=Category.PASSIVE)),
        "detractors": Count("id", filter=Q(category=Category.DETRACTOR)),
        "responses": Count("id"),
    }


def _nps_row(row: dict) -> dict:
    out = {k: row[k] or 0 for k in ("promoters", "passives", "detractors", "responses")}
    out["nps"] = nps_value(out["promoters"], out["detractors"], out["responses"])
    out["band"] = nps_band(out["nps"])
    return out


def nps_report(
    *,
    survey=None,
    segment: str | None = None,
    period: Period = Period(),
    interval: str = "week",
    tzinfo: dt.tzinfo | None = None,
) -> dict:
    """Overall NPS and a series by day/week/month (period starts in tzinfo, default UTC)."""
    qs = responses_filtered(survey=survey, segment=segment, period=period)
    trunc = INTERVALS[interval]
    rows = (
        qs.order_by()
        .annotate(period_start=trunc("responded_at", tzinfo=tzinfo or dt.UTC))
        .values("period_start")
        .annotate(**_category_counts())
        .order_by("period_start")
    )
    series = []
    totals = dict.fromkeys(("promoters", "passives", "detractors", "responses"), 0)
    for row in rows:
        item = _nps_row(row)
        for key in totals:
            totals[key] += item[key]
        start = row["period_start"]
        if isinstance(start, dt.datetime):
            start = start.date()
        series.append({"period_start": start, **item})
    # one scan: the overall figures are the sums of the periods
    return {"overall": _nps_row(totals), "series": series}


# --- SLA -----------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont over seconds of a duration expression."""

    function = "percentile_cont"
    template = (
        "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    )
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as percentile_cont does."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def tickets_opened(*, team=None, period: Period = Period(), base: QuerySet | None = None):
    qs = Ticket.objects.all() if base is None else base
    if team is not None:
        qs = qs.filter(team=team)
    if period.start is not None:
        qs = qs.filter(created_at__gte=period.start)
    if period.end is not None:
        qs = qs.filter(created_at__lt=period.end)
    return qs


def clock_met_q(prefix: str = "") -> Q:
    p = prefix
    return Q(**{f"{p}met_at__isnull": False, f"{p}breached_at__isnull": True}) & Q(
        **{f"{p}met_at__lte": F(f"{p}due_at")}
    )


def clock_breached_q(now: dt.datetime, prefix: str = "") -> Q:
    """Breached, counting deadlines passed that the sweep has not yet marked."""
    p = prefix
    return (
        Q(**{f"{p}breached_at__isnull": False})
        | Q(**{f"{p}met_at__isnull": False, f"{p}met_at__gt": F(f"{p}due_at")})
        | Q(
            **{
                f"{p}met_at__isnull": True,
                f"{p}paused_at__isnull": True,
                f"{p}due_at__lte": now,
            }
        )
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _durations(qs: QuerySet, end_field: str) -> dict:
    delta = ExpressionWrapper(F(end_field) - F("created_at"), output_field=DurationField())
    done = qs.filter(**{f"{end_field}__isnull": False})
    if connection.vendor == "postgresql":
        row = done.aggregate(median=PercentileCont(delta, 0.5), p90=PercentileCont(delta, 0.9))
        median, p90 = row["median"], row["p90"]
    else:
        seconds = [
            (end - start).total_seconds()
            for start, end in done.values_list("created_at", end_field).iterator()
        ]
        median, p90 = percentile(seconds, 0.5), percentile(seconds, 0.9)
    return {
        "median_seconds": round(median) if median is not None else None,
        "p90_seconds": round(p90) if p90 is not None else None,
    }


def sla_report(
    *,
    team=None,
    period: Period = Period(),
    base: QuerySet | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Tickets opened in the period and how their clocks fared (rates over decided clocks)."""
    now = now or timezone.now()
    tickets = tickets_opened(team=team, period=period, base=base)
    clocks = SlaClock.objects.filter(ticket__in=tickets.values("pk"))
    counts = clocks.aggregate(
        **{
            f"{kind}_{what}": Count("id", filter=Q(kind=kind) & q)
            for kind in (SlaClock.Kind.FIRST_CONTACT, SlaClock.Kind.RESOLUTION)
            for what, q in (("met", clock_met_q()), ("breached", clock_breached_q(now)))
        }
    )
    out = {"tickets_opened": tickets.count()}
    for kind, end_field in (("first_contact", "first_contacted_at"), ("resolution", "resolved_at")):
        met, breached = counts[f"{kind}_met"], counts[f"{kind}_breached"]
        out[kind] = {
            "met": met,
            "breached": breached,
            "met_rate": _rate(met, met + breached),
            "breached_rate": _rate(breached, met + breached),
            **_durations(tickets, end_field),
        }
    return out
