"""NPS report at volume: the live scan against the daily rollup, on PostgreSQL.

    python bench/nps_report.py [--responses 3000000] [--runs 20] [--reuse]

Seeds a dedicated database (fd_bench_nps by default; BENCH_DATABASE_URL overrides) with
generate_series: 3 surveys, one customer per 10 answers in four segments (one empty), the
answers spread over the last 365 days in id order (as received), 1 % of them backdated
by up to 300 days. Then builds the rollup (timed), adds a few minutes of fresh answers
(above the mark, so counted live like in production) and times `nps_report` (rollup) and
`nps_report_live` (the scan) for the dashboard's 30 days and for a year, printing p50/p95,
the ratio, and checking both give the same numbers. Last, one steady-state refresh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import pct, recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fd_bench_nps"


def seed(m: int, now_sql: str) -> None:
    from django.db import connection, transaction

    from surveys.models import IngestionSource, Survey

    surveys = [Survey.objects.create(slug=f"nps-{i}", name=f"NPS {i}").pk for i in range(3)]
    source = IngestionSource.objects.create(name="bench", slug="bench")
    customers = max(1, m // 10)
    year = 365 * 86400
    received = f"({now_sql} - make_interval(secs => {year}::float8 * ({m} - g) / {m}))"
    steps = [
        (
            "customers",
            f"""
            INSERT INTO surveys_customer (id, external_id, name, phone, segment, locale,
                time_zone, preferred_channel, created_at, updated_at)
            SELECT g, 'c' || g, 'Customer ' || g, '',
                (ARRAY['enterprise','smb','consumer',''])[1 + g % 4], 'ru', '', '',
                {now_sql} - interval '400 days', {now_sql} - interval '400 days'
            FROM generate_series(1, {customers}) g""",
        ),
        (
            "responses",
            f"""
            INSERT INTO surveys_response (id, external_id, score, category, comment, channel,
                responded_at, received_at, metadata, customer_id, source_id, ticket_id, survey_id)
            SELECT g, 'r' || g, s.score,
                CASE WHEN s.score <= 6 THEN 'detractor' WHEN s.score <= 8 THEN 'passive'
                     ELSE 'promoter' END,
                '', 'email',
                CASE WHEN g % 100 = 0
                     THEN s.received - make_interval(days => ((g::bigint * 7919) % 300)::int)
                     ELSE s.received - make_interval(secs => g % 3600) END,
                s.received, '{{}}', 1 + (g::bigint * 7919) % {customers}, {source.pk}, NULL,
                (ARRAY{surveys})[1 + g % 3]
            FROM (SELECT g, (g * 31) % 11 AS score, {received} AS received
                  FROM generate_series(1, {m}) g) s""",
        ),
    ]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL session_replication_role = replica")
        for label, sql in steps:
            started = time.perf_counter()
            cur.execute(sql)
            print(
                f"  seeded {label}: {cur.rowcount:,} rows in {time.perf_counter() - started:.1f} s"
            )
        for table in ("surveys_customer", "surveys_response"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def fresh_answers(n: int, *, backdated: int) -> None:
    """n answers received now (today, and `backdated` of them 10–200 days old), through the
    ORM like ingestion: they get ids above the rollup's mark."""
    import datetime as dt

    from django.utils import timezone

    from surveys.models import Customer, IngestionSource, Response, Survey

    now = timezone.now()
    survey = Survey.objects.order_by("pk").first()
    source = IngestionSource.objects.get(slug="bench")
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:n])
    stamp = int(time.time() * 1000)
    Response.objects.bulk_create(
        Response(
            survey=survey,
            customer_id=customers[i % len(customers)],
            source=source,
            external_id=f"fresh-{stamp}-{i}",
            score=i % 11,
            category=survey.categorize(i % 11),
            responded_at=now - dt.timedelta(days=10 + i * 7 % 190 if i < backdated else 0),
        )
        for i in range(n)
    )


def timed(fn, runs: int) -> list[float]:
    fn()
    fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="skip seeding, reuse the database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if url.rsplit("/", 1)[1] == "fd_bench_web":
        sys.exit("fd_bench_web belongs to bench/web_pages.py; use another database")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
    if not args.reuse:
        recreate_database(url)
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=ROOT
        )
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from reports.selectors import Period, nps_report, nps_report_live
    from reports.services import nps_rollup_rebuild, nps_rollup_refresh
    from surveys.models import Customer, Response, Survey

    if not args.reuse:
        started = time.perf_counter()
        print(f"seeding {args.responses:,} responses …", flush=True)
        seed(args.responses, "now()")
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    total = Response.objects.count()
    started = time.perf_counter()
    result = nps_rollup_rebuild()
    print(f"rebuild: {result} in {time.perf_counter() - started:.1f} s")
    fresh_answers(300, backdated=30)  # a few minutes of traffic, above the mark
    now = timezone.now()
    survey = Survey.objects.order_by("pk").first()
    cases = {
        "30 days, weekly (dashboard)": {"period": Period(start=now - dt.timedelta(days=30))},
        "30 days, weekly, segment smb": {
            "period": Period(start=now - dt.timedelta(days=30)),
            "segment": "smb",
        },
        "365 days, monthly": {
            "period": Period(start=now - dt.timedelta(days=365)),
            "interval": "month",
        },
        "365 days, monthly, one survey": {
            "period": Period(start=now - dt.timedelta(days=365)),
            "interval": "month",
            "survey": survey,
        },
        "API: 2 whole months, daily": {
            "period": Period(
                start=dt.datetime.combine(
                    (now - dt.timedelta(days=70)).date(), dt.time.min, tzinfo=dt.UTC
                ),
                end=dt.datetime.combine(
                    (now - dt.timedelta(days=10)).date(), dt.time.min, tzinfo=dt.UTC
                ),
            ),
            "interval": "day",
        },
    }
    print(f"\n{total:,} responses; {args.runs} runs each; ms")
    print(
        f"{'case':32} {'live p50':>9} {'live p95':>9} {'rollup p50':>11} {'rollup p95':>11} "
        f"{'x faster':>9}"
    )
    for name, kwargs in cases.items():
        kwargs = {"interval": "week", **kwargs}
        assert nps_report(**kwargs) == nps_report_live(**kwargs), name
        live = timed(lambda kw=kwargs: nps_report_live(**kw), args.runs)
        rolled = timed(lambda kw=kwargs: nps_report(**kw), args.runs)
        print(
            f"{name:32} {pct(live, 0.5):9.1f} {pct(live, 0.95):9.1f} {pct(rolled, 0.5):11.1f} "
            f"{pct(rolled, 0.95):11.1f} {statistics.median(live) / statistics.median(rolled):9.1f}"
        )
    # Refresh costs: catching up the answers added above, then a minute of traffic (today's
    # day recounted), then a backdated import and a customer moved to another segment. The
    # real clock, with no lag: what was just inserted counts as committed.
    settings.NPS_ROLLUP_LAG = 0

    def refresh(label: str) -> None:
        started = time.perf_counter()
        result = nps_rollup_refresh()
        took = (time.perf_counter() - started) * 1000
        print(f"refresh, {label:44} {took:7.0f} ms  ({result})")

    print()
    refresh("catching up the 300 answers above")
    fresh_answers(60, backdated=0)
    refresh("after a minute of traffic (60 answers today)")
    fresh_answers(20, backdated=5)
    changed = Customer.objects.order_by("pk").first()
    changed.segment = "enterprise" if changed.segment != "enterprise" else "smb"
    changed.save()
    refresh("after 5 backdated answers, 1 customer moved")
    refresh("with nothing new")
    case = {"interval": "week", **cases["30 days, weekly (dashboard)"]}
    assert nps_report(**case) == nps_report_live(**case)


if __name__ == "__main__":
    main()
