"""Ingestion throughput of the batch engine against raw PostgreSQL, measured in one run.

    python bench/ingest_batch.py [--rows 20000] [--import-rows 1000000]

The same kind of rows (≈30 % detractors, every customer answering about twice, Russian and
English comments) go through: psycopg `executemany` of customers + answers (the baseline),
COPY (the ceiling), the batch engine in-process (1,000 per batch), POST
/api/v1/responses/bulk/ (1,000 per request) through Django's test client and through
gunicorn with a Celery worker draining the outbox, and the CSV import. The engine paths
write everything a detractor costs: one team of five agents and one webhook endpoint, so
each ticket has its two clocks, its event, an email and a webhook outbox row. Each path
gets its own rows. Printed: answers/s, the share of executemany, the statements of one
1,000-answer batch, one bulk request of 1,000 detractors for new customers through
gunicorn, and with --import-rows a file import of that size with its peak RSS.
BENCH_PROFILE=<dir> writes cProfile files of the in-process paths. Runs in a throwaway
database next to BENCH_POSTGRES_URL's (default postgres://postgres@127.0.0.1:5432/fd_batch).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.bench_http import post_bulk, served  # noqa: E402
from bench.ingest_rows import csv_write, item, raw_paths, rows  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/fd_batch")
BATCH = 1000


def _profiler():
    """With BENCH_PROFILE=<dir>, each in-process path is run under cProfile."""
    if not os.environ.get("BENCH_PROFILE"):
        return None
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    return profile


def _profile_dump(profile, name: str) -> None:
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE"], f"{name}.prof"))


def big_import(source, m: int, stamp: str) -> dict:
    """An import of m rows streamed from a file on disk: time and peak RSS (after a tenth
    of the rows and at the end, to show memory stays flat)."""
    import resource

    from intake.importing import responses_import, rows_read

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        with path.open("w", newline="", encoding="utf-8") as stream:
            csv_write(stream, "big", m, stamp)
        peaks: dict[str, float] = {}

        def watched(lines):
            for number, line in enumerate(lines, 1):
                if number == m // 10:
                    peaks["tenth"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                yield line

        with path.open(encoding="utf-8", newline="") as stream:
            start = time.perf_counter()
            summary = responses_import(source=source, rows=watched(rows_read(stream, "csv")))
            seconds = time.perf_counter() - start
    assert summary.errors == 0 and summary.created == m, summary.as_dict()
    peaks["end"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": m,
        "seconds": seconds,
        "rss_tenth_mb": peaks["tenth"],
        "rss_end_mb": peaks["end"],
    }


def child(n: int, big: int = 0) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from django.test import Client

        from accounts.models import User
        from intake.batch import responses_ingest_batch
        from intake.importing import responses_import, rows_read
        from intake.validation import response_data
        from notifications.models import Delivery, WebhookEndpoint
        from sla.models import SlaPolicy
        from surveys.models import IngestionSource, Response, Survey
        from tickets.models import Team, Ticket

        survey = Survey.objects.create(slug="bench", name="Bench")
        source = IngestionSource.objects.create(name="bench", slug="bench")
        key = source.issue_key()
        source.save()
        SlaPolicy.objects.update_or_create(  # a migration may have made one already
            is_default=True,
            defaults={"name": "default", "first_contact_minutes": 240, "resolution_minutes": 2880},
        )
        team = Team.objects.create(name="General", slug="general", is_fallback=True)
        team.members.set(
            [
                User.objects.create(username=f"agent{i}", email=f"agent{i}@example.com")
                for i in range(5)
            ]
        )
        WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/hook", topics=[])
        now = timezone.now().replace(microsecond=0)
        stamp = (now - dt.timedelta(minutes=1)).isoformat()
        timings: dict[str, float] = {}
        timings["executemany"] = raw_paths(connection, source.pk, survey.pk, "em", n, now, False)
        timings["copy"] = raw_paths(connection, source.pk, survey.pk, "cp", n, now, True)

        cache: dict = {}
        ready = [response_data(item(r, stamp), context=cache) for r in rows("en", n)]
        profile = _profiler()
        start = time.perf_counter()
        for first in range(0, n, BATCH):
            responses_ingest_batch(source=source, items=ready[first : first + BATCH])
        timings["engine"] = time.perf_counter() - start
        _profile_dump(profile, "engine")
        del ready
        gc.collect()  # each path starts from the same heap, as a fresh process would

        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        bodies = [item(r, stamp) for r in rows("api", n)]
        profile = _profiler()
        start = time.perf_counter()
        for first in range(0, n, BATCH):
            answer = client.post(
                "/api/v1/responses/bulk/",
                data=json.dumps(bodies[first : first + BATCH]),
                content_type="application/json",
            )
            assert answer.status_code == 200 and answer.json()["errors"] == 0, answer.content[:300]
        timings["bulk_api"] = time.perf_counter() - start
        _profile_dump(profile, "bulk_api")
        del bodies
        gc.collect()

        database_url = urllib.parse.urlsplit(POSTGRES_URL)._replace(
            path="/" + connection.settings_dict["NAME"]
        )
        with served(urllib.parse.urlunsplit(database_url)) as base:
            for r in rows("warm", 4):  # each worker has loaded the code, as in service
                post_bulk(base, key, [item(r, stamp)])
            bodies = [item(r, stamp) for r in rows("web", n)]
            start = time.perf_counter()
            for first in range(0, n, BATCH):
                answer = post_bulk(base, key, bodies[first : first + BATCH])
                assert answer["errors"] == 0, answer
            timings["bulk_gunicorn"] = time.perf_counter() - start
            worst = [dict(item(r, stamp), score=r["score"] % 7) for r in rows("det", BATCH, 1.0)]
            for number, body in enumerate(worst):
                body["customer"] = dict(
                    body["customer"],
                    external_id=f"det-new-{number}",
                    email=f"det-new-{number}@example.com",
                )
            start = time.perf_counter()
            answer = post_bulk(base, key, worst)
            detractor_request = time.perf_counter() - start
            assert answer["created"] == BATCH, answer

        del bodies, worst
        text = io.StringIO()
        csv_write(text, "imp", n, stamp)
        text.seek(0)
        gc.collect()
        profile = _profiler()
        start = time.perf_counter()
        summary = responses_import(source=source, rows=rows_read(text, "csv"))
        timings["import"] = time.perf_counter() - start
        _profile_dump(profile, "import")
        assert summary.errors == 0, summary.as_dict()

        # One batch of 1,000 new answers: how many statements.
        sample = [response_data(item(r, stamp), context=cache) for r in rows("st", BATCH)]
        with CaptureQueriesContext(connection) as queries:
            responses_ingest_batch(source=source, items=sample)
        statements = len(queries)
        return {
            "big_import": big_import(source, big, stamp) if big else None,
            "rows": n,
            **timings,
            "statements_per_1000": statements,
            "detractor_request_s": detractor_request,
            "responses": Response.objects.count(),
            "tickets": Ticket.objects.count(),
            "deliveries": Delivery.objects.count(),
        }
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument(
        "--import-rows", type=int, default=0, help="also import this many rows from a file"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows, args.import_rows)))
        return
    # 1,000-item bodies answered in the request (the synchronous engine path), unthrottled
    env = dict(
        os.environ,
        CELERY_TASK_ALWAYS_EAGER="false",
        LOG_LEVEL="WARNING",
        BULK_ASYNC_THRESHOLD="1000",
        THROTTLE_INGEST="",
    )
    env.pop("REDIS_URL", None)  # the outbox writes rows; nothing is delivered during the bench
    env["DATABASE_URL"] = POSTGRES_URL
    with tempfile.TemporaryDirectory() as tmp:
        env["FD_VAR_DIR"] = tmp
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(args.rows)]
            + ["--import-rows", str(args.import_rows)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit("benchmark failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    n = result["rows"]
    base = n / result["executemany"]
    print(f"ingestion, PostgreSQL, {n} answers per path (≈30 % detractors)")
    print(f"{'path':<34} {'answers/s':>10} {'of executemany':>15}")
    labels = {
        "executemany": "psycopg executemany (baseline)",
        "copy": "COPY (ceiling)",
        "engine": "batch engine, in-process",
        "bulk_api": "POST …/bulk/ (test client)",
        "bulk_gunicorn": "POST …/bulk/ (gunicorn + worker)",
        "import": "CSV import",
    }
    for path, label in labels.items():
        rate = n / result[path]
        print(f"{label:<34} {rate:>10.0f} {rate / base:>14.0%}")
    print(f"statements in one 1,000-answer engine batch: {result['statements_per_1000']}")
    print(
        f"1,000 detractors for new customers, one bulk request through gunicorn: "
        f"{result['detractor_request_s']:.2f} s"
    )
    big = result["big_import"]
    if big:
        print(
            f"import of {big['rows']:,} rows from a file: {big['seconds']:.0f} s "
            f"({big['rows'] / big['seconds']:.0f} answers/s), peak RSS "
            f"{big['rss_tenth_mb']:.0f} MB after a tenth, {big['rss_end_mb']:.0f} MB at the end"
        )
    print(
        f"stored: {result['responses']} answers, {result['tickets']} tickets, "
        f"{result['deliveries']} outbox rows"
    )


if __name__ == "__main__":
    main()
