"""Keeps the daily NPS rollup (reports.models.ResponseDay) current.

The rollup counts exactly the answers with id ≤ the state's `response_id_mark`; the
report adds every answer above the mark live. Moving the mark forward therefore only
needs the answers between the old and the new mark added to their days' counts (one
grouped INSERT … ON CONFLICT DO UPDATE: the cost follows the new answers, also when a
backdated import spreads them over many days), plus whole days counted again where
something changed under the mark:

- answers that committed late (ids are handed out at insert, the commit comes later): the
  mark stops at the newest id received NPS_ROLLUP_LAG ago, and the id ranges added in the
  last NPS_ROLLUP_OVERLAP are re-checked by count and id sum, so a straggler's day is
  counted again at the next refresh;
- customers whose segment changed (any customer saved since the last refresh, less
  NPS_ROLLUP_LAG): the days of their answers under the old mark (a customer created since
  then normally has none, so ingesting new customers recounts nothing);
- answers deleted through the admin: `ResponseDayStale` marks.

Counting a day again is delete + INSERT … SELECT of its grouped counts, idempotent, in
the refresh's transaction; the state row is locked (SELECT … FOR UPDATE), so refreshes
and rebuilds never interleave and the mark moves exactly once per addition. The nightly
rebuild (and `manage.py nps_rollup_rebuild`) recounts everything, which also covers what
the refresh cannot see (rows deleted with raw SQL, a segment set with `QuerySet.update`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from reports.models import ROLLUP_STATE_PK, ResponseDay, ResponseDayStale, ResponseRollupState
from reports.selectors import category_counts, utc_day, utc_day_start
from surveys.models import Customer, Response

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RollupResult:
    mark: int
    added: int  # answers added to their days' counts
    days: int  # days counted again whole (a rebuild: all the days there are)
    rebuilt: bool

    def __str__(self) -> str:
        if self.rebuilt:
            return f"NPS rollup up to answer #{self.mark}: rebuilt, {self.days} days"
        return (
            f"NPS rollup up to answer #{self.mark}: {self.added} answers added, "
            f"{self.days} days recounted"
        )


def _lag() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "NPS_ROLLUP_LAG", 60))


def _overlap() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "NPS_ROLLUP_OVERLAP", 3600))


def days_q(days: Iterable[dt.date]) -> Q:
    """Answers given on these UTC days, as ranges of consecutive days (index-friendly)."""
    ordered = sorted(set(days))
    q = Q()
    first = last = None
    for day in [*ordered, None]:
        if day is not None and last is not None and day == last + DAY:
            last = day
            continue
        if first is not None:
            span = Q(responded_at__gte=utc_day_start(first))
            if last < dt.date.max:  # the day after 9999-12-31 is not a date: no upper bound
                span &= Q(responded_at__lt=utc_day_start(last) + DAY)
            q |= span
        first = last = day
    return q


def _counts_insert(answers: QuerySet[Response], *, add: bool = False) -> int:
    """INSERT … SELECT the answers' counts grouped by UTC day, survey and segment (with
    `add`, added to the rows already there); returns the rows written. Nothing passes
    through Python, however many days and segments."""
    grouped = (
        answers.order_by()
        .annotate(day=utc_day())
        .values("day", "survey_id", "customer__segment")
        .annotate(**category_counts())
    )
    sql, params = grouped.query.sql_with_params()
    table = connection.ops.quote_name(ResponseDay._meta.db_table)
    counts = ("promoters", "passives", "detractors", "responses")
    statement = (
        f"INSERT INTO {table} (day, survey_id, segment, {', '.join(counts)}) "
        'SELECT g."day", g."survey_id", g."customer__segment", g."p", g."pa", g."d", g."n" '
        f"FROM ({sql}) g"
    )
    if add:
        # WHERE true: SQLite's parser needs it between INSERT … SELECT and ON CONFLICT.
        statement += " WHERE true ON CONFLICT (day, survey_id, segment) DO UPDATE SET " + ", ".join(
            f"{c} = {table}.{c} + excluded.{c}" for c in counts
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _days_recount(days: set[dt.date], mark: int) -> None:
    """Replaces the rollup rows of these days with the counts of their answers ≤ mark."""
    if not days:
        return
    ordered = sorted(days)
    for i in range(0, len(ordered), 500):
        ResponseDay.objects.filter(day__in=ordered[i : i + 500]).delete()
    _counts_insert(Response.objects.filter(days_q(days), pk__lte=mark))


def _mark_at(cutoff: dt.datetime) -> int:
    """The newest answer id received before cutoff (0 when none)."""
    newest = (
        Response.objects.filter(received_at__lt=cutoff)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return newest or 0


def _slice_signature(lo: int, hi: int, now: dt.datetime) -> dict:
    """The id range (lo, hi] and its signature (count, id sum), read before its answers are
    counted (so a later commit shows as a change). One aggregate over the primary key."""
    row = Response.objects.filter(pk__gt=lo, pk__lte=hi).aggregate(n=Count("pk"), s=Sum("pk"))
    return {"lo": lo, "hi": hi, "n": row["n"], "sum": int(row["s"] or 0), "at": now.isoformat()}


def _slice_scan(lo: int, hi: int, now: dt.datetime) -> tuple[dict, set[dt.date]]:
    """The id range (lo, hi]: its signature (count, id sum) and the days its answers are on,
    from one statement, read before the days are counted (so a later commit shows). For a
    range that changed: its days are counted again."""
    rows = (
        Response.objects.filter(pk__gt=lo, pk__lte=hi)
        .order_by()
        .annotate(day=utc_day())
        .values("day")
        .annotate(n=Count("pk"), s=Sum("pk"))
    )
    days, n, total = set(), 0, 0
    for row in rows:
        days.add(row["day"])
        n += row["n"]
        total += int(row["s"])
    return {"lo": lo, "hi": hi, "n": n, "sum": total, "at": now.isoformat()}, days


def _slices_changed(slices: list[dict]) -> list[dict]:
    """The contiguous id ranges whose count or id sum differs from when they were counted."""
    if not slices:
        return []
    which = Case(
        *(When(pk__lte=s["hi"], then=Value(i)) for i, s in enumerate(slices)),
        output_field=IntegerField(),
    )
    rows = (
        Response.objects.filter(pk__gt=slices[0]["lo"], pk__lte=slices[-1]["hi"])
        .order_by()
        .annotate(slice=which)
        .values("slice")
        .annotate(n=Count("pk"), s=Sum("pk"))
    )
    now = {row["slice"]: (row["n"], int(row["s"])) for row in rows}
    return [s for i, s in enumerate(slices) if now.get(i, (0, 0)) != (s["n"], s["sum"])]


def _customer_days(since: dt.datetime, mark: int) -> set[dt.date]:
    """Days of the answers with id ≤ mark (the ones the rollup holds) of the customers saved
    since `since`: their segment may differ from the one the rollup counted them under.

    Their answers above the mark need nothing: this refresh adds them with the segment
    read now. So a customer created by ingestion since the last refresh normally costs
    nothing: its answers were received after that refresh's cutoff, so their ids are above
    its mark (one that got a lower id, e.g. committed late, has its days counted again)."""
    changed = Customer.objects.filter(updated_at__gte=since).values("pk")
    return set(
        Response.objects.filter(customer__in=changed, pk__lte=mark)
        .order_by()
        .annotate(day=utc_day())
        .values_list("day", flat=True)
        .distinct()
    )


def _state_ensure() -> None:
    ResponseRollupState.objects.get_or_create(pk=ROLLUP_STATE_PK)


def _rebuild(state: ResponseRollupState, now: dt.datetime) -> RollupResult:
    mark = _mark_at(now - _lag())
    stale = list(ResponseDayStale.objects.values_list("pk", flat=True))
    recent_from = min(_mark_at(now - _overlap()), mark)
    recent = _slice_signature(recent_from, mark, now)
    ResponseDay.objects.all().delete()
    _counts_insert(Response.objects.filter(pk__lte=mark))
    ResponseDayStale.objects.filter(pk__in=stale).delete()
    state.response_id_mark = mark
    state.slices = [recent] if mark > recent_from else []
    state.customers_checked_at = state.refreshed_at = state.rebuilt_at = now
    state.save()
    days = ResponseDay.objects.values("day").distinct().count()
    return RollupResult(mark=mark, added=0, days=days, rebuilt=True)


def nps_rollup_rebuild(*, now: dt.datetime | None = None) -> RollupResult:
    """Counts every day again from the answers (nightly, and `manage.py nps_rollup_rebuild`).
    Waits for a running refresh; readers see the old rows until the commit."""
    now = now or timezone.now()
    _state_ensure()
    with transaction.atomic():
        state = ResponseRollupState.objects.select_for_update().get(pk=ROLLUP_STATE_PK)
        return _rebuild(state, now)


def nps_rollup_refresh(*, now: dt.datetime | None = None) -> RollupResult | None:
    """Moves the mark to the newest answer received NPS_ROLLUP_LAG ago and counts again the
    days that changed (see the module docstring). The first run builds the rollup.

    Returns None without waiting when another refresh or rebuild holds the state row: the
    one running covers this one's work, or the next minute's does.
    """
    now = now or timezone.now()
    _state_ensure()
    with transaction.atomic():
        state = (
            ResponseRollupState.objects.select_for_update(skip_locked=True)
            .filter(pk=ROLLUP_STATE_PK)
            .first()
        )
        if state is None:
            return None
        if state.response_id_mark is None:
            return _rebuild(state, now)
        old = state.response_id_mark
        mark = max(_mark_at(now - _lag()), old)
        # Signatures and days are read before anything is counted: a row committing in
        # between is then counted and seen as a change next time (harmless), never missed.
        recount: set[dt.date] = set()
        horizon = now - _overlap()
        slices = [s for s in state.slices if dt.datetime.fromisoformat(s["at"]) >= horizon]
        for changed in _slices_changed(slices):
            fresh, found = _slice_scan(changed["lo"], changed["hi"], now)
            changed.update(n=fresh["n"], sum=fresh["sum"])
            recount |= found
        added = 0
        if mark > old:
            fresh = _slice_signature(old, mark, now)
            slices.append(fresh)
            added = fresh["n"]
        since = (state.customers_checked_at or now) - _lag()
        recount |= _customer_days(since, old)
        stale = list(ResponseDayStale.objects.values_list("pk", "day"))
        recount |= {day for _pk, day in stale}
        if mark > old:
            # The answers between the marks, added to their days' counts: the cost follows
            # the new answers, not the size of the days (a backdated import touches many).
            _counts_insert(Response.objects.filter(pk__gt=old, pk__lte=mark), add=True)
        _days_recount(recount, mark)  # after the additions: it replaces those days whole
        ResponseDayStale.objects.filter(pk__in=[pk for pk, _day in stale]).delete()
        state.response_id_mark = mark
        state.slices = slices
        state.customers_checked_at = state.refreshed_at = now
        state.save()
    return RollupResult(mark=mark, added=added, days=len(recount), rebuilt=False)


def nps_rollup_days_stale(*, answers: QuerySet[Response]) -> None:
    """Marks the days of these answers for recounting: call in the transaction that deletes
    them (the admin does), so the next refresh drops them from the rollup."""
    days = set(answers.order_by().annotate(day=utc_day()).values_list("day", flat=True).distinct())
    ResponseDayStale.objects.bulk_create([ResponseDayStale(day=day) for day in days])
