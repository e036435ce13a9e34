"""Shared by the rollup tests: a fixed clock, bulk answers at random moments, customers
saved long ago, an independent Python reference for nps_report, and a lock probe."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection

from reports import selectors
from reports.models import ResponseDay
from reports.selectors import Period, nps_report, nps_report_live
from surveys.models import Customer, Response
from tests import factories

T0 = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)
SEGMENTS = ["", "enterprise", "smb", "consumer"]


def rollup_rows() -> list[tuple]:
    return sorted(
        ResponseDay.objects.values_list(
            "day", "survey_id", "segment", "promoters", "passives", "detractors", "responses"
        )
    )


def answers_bulk(rng: random.Random, surveys, customers, n: int, *, around: dt.datetime, days=70):
    """n answers at random moments in the `days` before `around` (a few just after it),
    received at the current (travelled) time."""
    source = factories.SourceFactory()
    objs = []
    for _i in range(n):
        survey = rng.choice(surveys)
        score = rng.randint(0, 10)
        when = around - dt.timedelta(seconds=rng.randint(-86400, days * 86400))
        objs.append(
            Response(
                survey=survey,
                customer=rng.choice(customers),
                source=source,
                external_id=f"r-{rng.random()}",
                score=score,
                category=survey.categorize(score),
                responded_at=when,
            )
        )
    return Response.objects.bulk_create(objs)


LONG_AGO = T0 - dt.timedelta(days=100)


def customers_make(n: int) -> list[Customer]:
    """Customers last saved long ago (a refresh recounts the days of customers saved since
    the last one, which would hide other mistakes)."""
    with time_machine.travel(LONG_AGO, tick=False):
        return Customer.objects.bulk_create(
            [Customer(external_id=f"c{i}", segment=SEGMENTS[i % len(SEGMENTS)]) for i in range(n)]
        )


def customer(**kw) -> Customer:
    with time_machine.travel(LONG_AGO, tick=False):
        return factories.CustomerFactory(**kw)


def assert_same(**kwargs):
    hybrid, live = nps_report(**kwargs), nps_report_live(**kwargs)
    assert hybrid == live, kwargs


def random_moment(rng: random.Random) -> dt.datetime:
    """Midnights (UTC and not), partial days, other offsets, around T0's last 80 days."""
    day = T0 - dt.timedelta(days=rng.randint(-2, 80))
    kind = rng.choice(["midnight", "partial", "moscow", "partial"])
    if kind == "midnight":
        return day.replace(hour=0, minute=0, second=0)
    if kind == "moscow":
        return day.astimezone(ZoneInfo("Europe/Moscow")).replace(hour=0, minute=0)
    return day.replace(
        hour=rng.randint(0, 23), minute=rng.randint(0, 59), second=rng.randint(0, 59)
    )


def python_report(rows, *, survey=None, segment=None, period: Period, interval, tzinfo):
    """nps_report's counts from the answers in Python: an independent reference for the
    periods in another time zone (which nps_report counts live, by nps_report_live)."""
    buckets = {}
    for survey_id, seg, category, responded_at in rows:
        if survey is not None and survey_id != survey.pk:
            continue
        if segment and seg != segment:
            continue
        if period.start is not None and responded_at < period.start:
            continue
        if period.end is not None and responded_at >= period.end:
            continue
        day = responded_at.astimezone(tzinfo).date()
        if interval == "week":
            day -= dt.timedelta(days=day.weekday())
        elif interval == "month":
            day = day.replace(day=1)
        bucket = buckets.setdefault(day, dict.fromkeys(("p", "pa", "d", "n"), 0))
        bucket[{"promoter": "p", "passive": "pa", "detractor": "d"}[category]] += 1
        bucket["n"] += 1
    return selectors._nps_result(buckets)


def answer(survey, customer, score, responded_at, **kw):
    return factories.ResponseFactory(
        survey=survey, customer=customer, score=score, responded_at=responded_at, **kw
    )


def lock_waiters() -> int:
    """Sessions of this database that PostgreSQL reports as waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
