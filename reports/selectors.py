"""The numbers: NPS and SLA statistics. The API and the dashboard both read them here.

Everything aggregates in the database. Percentiles use PostgreSQL's percentile_cont when
available and the same linear interpolation in Python elsewhere, so both agree.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, replace
from functools import reduce

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncDate, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import ROLLUP_STATE_PK, ResponseDay, ResponseRollupState
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


def category_counts() -> dict:
    """promoters (p), passives (pa), detractors (d) and all answers (n) of a Response set."""
    return {
        "p": Count("pk", filter=Q(category=Category.PROMOTER)),
        "pa": Count("pk", filter=Q(category=Category.PASSIVE)),
        "d": Count("pk", filter=Q(category=Category.DETRACTOR)),
        "n": Count("pk"),
    }


COUNT_KEYS = {"p": "promoters", "pa": "passives", "d": "detractors", "n": "responses"}


def _nps_row(row: dict) -> dict:
    out = {name: row[key] or 0 for key, name in COUNT_KEYS.items()}
    out["nps"] = nps_value(out["promoters"], out["detractors"], out["responses"])
    out["band"] = nps_band(out["nps"])
    return out


def _nps_result(buckets: dict) -> dict:
    """The report from counts per period start (dates), in order; overall = their sums."""
    series = []
    totals = dict.fromkeys(COUNT_KEYS, 0)
    for start in sorted(buckets):
        row = buckets[start]
        for key in totals:
            totals[key] += row[key] or 0
        series.append({"period_start": start, **_nps_row(row)})
    # one scan: the overall figures are the sums of the periods
    return {"overall": _nps_row(totals), "series": series}


def utc_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def utc_day(field: str = "responded_at") -> TruncDate:
    """The UTC date of a moment: the rollup's day, the same in every database."""
    return TruncDate(field, tzinfo=dt.UTC)


def nps_report(
    *,
    survey=None,
    segment: str | None = None,
    period: Period = Period(),
    interval: str = "week",
    tzinfo: dt.tzinfo | None = None,
) -> dict:
    """Overall NPS and a series by day/week/month (period starts in tzinfo, default UTC).

    The same numbers as nps_report_live. With UTC periods (the API's and the dashboard's)
    whole days come from the daily rollup and only the rest is counted from the answers;
    other time zones cut days the rollup cannot split, so they are counted live.
    """
    if is_utc(tzinfo):
        report = _nps_report_rollup(
            survey=survey, segment=segment, period=period, interval=interval
        )
        if report is not None:
            return report
    return nps_report_live(
        survey=survey, segment=segment, period=period, interval=interval, tzinfo=tzinfo
    )


def nps_report_live(
    *,
    survey=None,
    segment: str | None = None,
    period: Period = Period(),
    interval: str = "week",
    tzinfo: dt.tzinfo | None = None,
) -> dict:
    """nps_report from a scan of the period's answers (the reference the rollup must equal)."""
    qs = responses_filtered(survey=survey, segment=segment, period=period)
    trunc = INTERVALS[interval]
    rows = (
        qs.order_by()
        .annotate(period_start=trunc("responded_at", tzinfo=tzinfo or dt.UTC))
        .values("period_start")
        .annotate(**category_counts())
        .order_by("period_start")
    )
    buckets = {}
    for row in rows:
        start = row["period_start"]
        if isinstance(start, dt.datetime):
            start = start.date()
        buckets[start] = row
    return _nps_result(buckets)


# Zone names whose days are UTC days (ZoneInfo has no cheaper way to say "fixed offset 0").
UTC_ZONE_NAMES = frozenset(
    "UTC Etc/UTC Etc/UCT UCT Etc/Universal Universal Etc/Zulu Zulu Etc/GMT GMT".split()
)


def is_utc(tzinfo: dt.tzinfo | None) -> bool:
    """Whether days in tzinfo are UTC days (None means UTC here)."""
    if tzinfo is None or tzinfo is dt.UTC:
        return True
    if isinstance(tzinfo, dt.timezone):
        return tzinfo.utcoffset(None) == dt.timedelta(0)
    return getattr(tzinfo, "key", None) in UTC_ZONE_NAMES


def rollup_whole_days(period: Period) -> tuple[dt.date | None, dt.date | None] | None:
    """The UTC days lying wholly inside the period, as [first, end) (None: unbounded);
    None when there is no whole day, or when a bound lies beyond what a date can hold
    (e.g. a start after midnight of 9999-12-31: the period is then counted live)."""
    first = end = None
    try:
        if period.start is not None:
            start = period.start.astimezone(dt.UTC)
            first = start.date()
            if start != utc_day_start(first):
                first += dt.timedelta(days=1)
        if period.end is not None:
            end = period.end.astimezone(dt.UTC).date()
    except OverflowError:
        return None
    if first is not None and end is not None and first >= end:
        return None
    return first, end


def _period_start(day: dt.date, interval: str) -> dt.date:
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _nps_report_rollup(*, survey, segment, period: Period, interval: str) -> dict | None:
    """Whole UTC days from ResponseDay (answers with id ≤ the mark), everything else live:
    the period's partial first and last days, and on the whole days the answers above the
    mark. One statement, so the rollup rows and the mark are of one snapshot; a sentinel
    row carries the mark that statement saw, and a refresh committed since the mark was
    read means the statement is run again. None: not built yet (answer live)."""
    days = rollup_whole_days(period)
    if days is None:
        return None
    first, end = days
    state = ResponseRollupState.objects.filter(pk=ROLLUP_STATE_PK)
    mark = state.values_list("response_id_mark", flat=True).first()
    if mark is None:
        return None
    rolled = ResponseDay.objects.all()
    if survey is not None:
        rolled = rolled.filter(survey=survey)
    if segment:
        rolled = rolled.filter(segment=segment)
    # Live: the partial days at the edges, and on the whole days the answers above the mark.
    # Each arm bounded on responded_at, so each can use an index.
    whole = Q()
    arms = []
    if first is not None:
        rolled = rolled.filter(day__gte=first)
        whole &= Q(responded_at__gte=utc_day_start(first))
        if period.start < utc_day_start(first):
            arms.append(Q(responded_at__gte=period.start, responded_at__lt=utc_day_start(first)))
    if end is not None:
        rolled = rolled.filter(day__lt=end)
        whole &= Q(responded_at__lt=utc_day_start(end))
        if utc_day_start(end) < period.end:
            arms.append(Q(responded_at__gte=utc_day_start(end), responded_at__lt=period.end))
    rolled = (
        rolled.order_by()
        .values("day")
        .annotate(p=Sum("promoters"), pa=Sum("passives"), d=Sum("detractors"), n=Sum("responses"))
    )
    for _attempt in range(3):
        live = (
            responses_filtered(survey=survey, segment=segment, period=period)
            .filter(reduce(operator.or_, arms, whole & Q(pk__gt=mark)))
            .order_by()
            .annotate(day=utc_day())
            .values("day")
            .annotate(**category_counts())
        )
        sentinel = (
            state.order_by()
            .annotate(
                day=Value(None, output_field=DateField()),
                p=F("response_id_mark"),
                pa=Value(0),
                d=Value(0),
                n=Value(-1),
            )
            .values("day", "p", "pa", "d", "n")
        )
        rows = list(rolled.union(live, sentinel, all=True))
        seen = [row["p"] for row in rows if row["n"] == -1]
        if seen != [mark]:
            if not seen or seen[0] is None:
                return None
            mark = seen[0]  # a refresh committed in between: once more with its mark
            continue
        buckets: dict[dt.date, dict] = {}
        for row in rows:
            if row["n"] == -1:
                continue
            bucket = buckets.setdefault(
                _period_start(row["day"], interval), dict.fromkeys(COUNT_KEYS, 0)
            )
            for key in COUNT_KEYS:
                bucket[key] += row[key] or 0
        return _nps_result(buckets)
    return None


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


@dataclass(frozen=True)
class TicketScope:
    """Which tickets a report counts, as filters on the ticket's own columns.

    Reports join through these (team_id, origin response's survey, customer's segment)
    rather than `ticket_id IN (SELECT …)`, so PostgreSQL reads the period's tickets from an
    index instead of hashing every ticket of the teams.
    """

    team_ids: tuple[int, ...] | None = None  # None: every team
    survey_id: int | None = None
    segment: str | None = None

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.team_ids is not None:
            q &= Q(**{f"{prefix}team_id__in": self.team_ids})
        if self.survey_id is not None:
            q &= Q(**{f"{prefix}origin_response__survey_id": self.survey_id})
        if self.segment:
            q &= Q(**{f"{prefix}customer__segment": self.segment})
        return q

    @classmethod
    def of_teams(cls, teams, **kwargs) -> TicketScope:
        return cls(team_ids=tuple(t.pk for t in teams), **kwargs)


def period_q(field: str, period: Period) -> Q:
    q = Q()
    if period.start is not None:
        q &= Q(**{f"{field}__gte": period.start})
    if period.end is not None:
        q &= Q(**{f"{field}__lt": period.end})
    return q


def tickets_opened(*, scope: TicketScope = TicketScope(), period: Period = Period()):
    return Ticket.objects.filter(scope.q(), period_q("created_at", period))


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


DURATION_FIELDS = {"first_contact": "first_contacted_at", "resolution": "resolved_at"}


def _ticket_figures(tickets: QuerySet, extra: dict | None = None) -> dict:
    """How many tickets, median/p90 seconds to first contact and to resolution, and the
    caller's extra aggregates: one scan on PostgreSQL (percentile_cont skips the NULLs of
    tickets not contacted or resolved yet)."""
    extra = extra or {}
    if connection.vendor == "postgresql":
        aggregates = {"n": Count("id"), **extra}
        for kind, field in DURATION_FIELDS.items():
            delta = ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())
            aggregates[f"{kind}_median"] = PercentileCont(delta, 0.5)
            aggregates[f"{kind}_p90"] = PercentileCont(delta, 0.9)
        row = tickets.aggregate(**aggregates)
    else:
        rows = list(tickets.values_list("created_at", *DURATION_FIELDS.values()))
        row = {"n": len(rows), **(tickets.aggregate(**extra) if extra else {})}
        for i, kind in enumerate(DURATION_FIELDS, start=1):
            seconds = [(r[i] - r[0]).total_seconds() for r in rows if r[i] is not None]
            row[f"{kind}_median"] = percentile(seconds, 0.5)
            row[f"{kind}_p90"] = percentile(seconds, 0.9)
    return {
        key: round(value) if value is not None and key not in extra and key != "n" else value
        for key, value in row.items()
    }


def sla_report(
    *,
    scope: TicketScope = TicketScope(),
    team=None,
    period: Period = Period(),
    now: dt.datetime | None = None,
    by_assignee: bool = False,
    ticket_aggregates: dict | None = None,
) -> dict:
    """Tickets opened in the period and how their clocks fared (rates over decided clocks).

    by_assignee adds {"by_assignee": {user_id: {"met", "breached"}}} from the clocks' scan;
    ticket_aggregates adds {"tickets": {name: value}} from the tickets' scan (the dashboard's
    histograms), so each set is read once."""
    now = now or timezone.now()
    if team is not None:
        scope = replace(scope, team_ids=(team.pk,))
    figures = _ticket_figures(tickets_opened(scope=scope, period=period), ticket_aggregates)
    group = ["kind", "ticket__assignee"] if by_assignee else ["kind"]
    rows = (
        SlaClock.objects.filter(scope.q("ticket__"), period_q("ticket__created_at", period))
        .order_by()
        .values(*group)
        # counting ticket_id: every column read is in sla_clock_unique_kind (index-only)
        .annotate(
            met=Count("ticket", filter=clock_met_q()),
            breached=Count("ticket", filter=clock_breached_q(now)),
        )
    )
    counts = {kind: {"met": 0, "breached": 0} for kind in DURATION_FIELDS}
    agents: dict[int, dict] = {}
    for row in rows:
        for what in ("met", "breached"):
            counts[row["kind"]][what] += row[what]
        if by_assignee and row["ticket__assignee"] is not None:
            agent = agents.setdefault(row["ticket__assignee"], {"met": 0, "breached": 0})
            agent["met"] += row["met"]
            agent["breached"] += row["breached"]
    out = {"tickets_opened": figures["n"]}
    for kind in DURATION_FIELDS:
        met, breached = counts[kind]["met"], counts[kind]["breached"]
        out[kind] = {
            "met": met,
            "breached": breached,
            "met_rate": _rate(met, met + breached),
            "breached_rate": _rate(breached, met + breached),
            "median_seconds": figures[f"{kind}_median"],
            "p90_seconds": figures[f"{kind}_p90"],
        }
    if by_assignee:
        out["by_assignee"] = agents
    if ticket_aggregates:
        out["tickets"] = {name: figures[name] for name in ticket_aggregates}
    return out
