"""The numbers: NPS and SLA statistics. The API and the dashboard both read them here.

Everything aggregates in the database. Percentiles use PostgreSQL's percentile_cont when
available and the same linear interpolation in Python elsewhere, so both agree.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncDate, TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from reports.models import ROLLUP_STATE_PK, ResponseDay, ResponseRollupState
from surveys.models import Category, Response

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
    return nps_of_answers(qs, interval=interval, tzinfo=tzinfo)


def nps_of_answers(qs, *, interval: str = "week", tzinfo: dt.tzinfo | None = None) -> dict:
    """nps_report's shape counted live from these answers, one bucket per interval."""
    rows = (
        qs.order_by()
        .annotate(period_start=INTERVALS[interval]("responded_at", tzinfo=tzinfo or dt.UTC))
        .values("period_start")
        .annotate(**category_counts())
        .order_by("period_start")
    )
    buckets = {}
    for row in rows:
        start = row["period_start"]
        buckets[start.date() if isinstance(start, dt.datetime) else start] = row
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
