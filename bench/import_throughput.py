"""Bulk import throughput: `import_responses`' path (read CSV, type, validate, ingest) against
a baseline measured in the same run: response_ingest called in a loop on ready-made
ResponseData. The ratio is the cost of parsing and validation per row.

    python bench/import_throughput.py [--rows 20000] [--databases sqlite,postgres]

Each database runs in its own process on a throwaway database that is created and dropped:
SQLite in a temporary file, PostgreSQL as test_<name>_bench next to BENCH_POSTGRES_URL's
database (default postgres://postgres@127.0.0.1:5432/fd_integrations). Baseline and import are
interleaved in two rounds over the same mix (scores 0–10, every customer answering twice,
so tickets are both opened and attached), each with its own customers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/fd_integrations"
)
COLUMNS = [
    "survey",
    "external_id",
    "score",
    "comment",
    "channel",
    "responded_at",
    "customer_external_id",
    "customer_email",
    "customer_name",
    "customer_segment",
    "meta_order_id",
]


def rows(prefix: str, n: int, responded_at: str):
    rng = random.Random(prefix)
    customers = max(n // 2, 1)
    for i in range(n):
        c = i % customers
        yield {
            "survey": "bench",
            "external_id": f"{prefix}-{i}",
            "score": rng.randint(0, 10),
            "comment": "Курьер опоздал, никто не позвонил." if i % 2 else "Late again.",
            "channel": "email",
            "responded_at": responded_at,
            "customer_external_id": f"{prefix}-c{c}",
            "customer_email": f"{prefix}{c}@example.com",
            "customer_name": f"Customer {c}",
            "customer_segment": "smb" if c % 3 else "enterprise",
            "meta_order_id": f"A-{i}",
        }


def write_csv(path: Path, prefix: str, n: int, responded_at: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows(prefix, n, responded_at))


def child(n: int) -> dict:
    """Runs inside a process whose DATABASE_URL names the database under test."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = os.environ["BENCH_SQLITE_FILE"]
    else:  # not test_<name>, so a test run at the same time does not collide
        connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from intake.importing import responses_import, rows_read
        from intake.services import CustomerData, ResponseData, response_ingest
        from intake.validation import response_data
        from surveys.models import IngestionSource, Response, Survey

        survey = Survey.objects.create(slug="bench", name="Bench")
        baseline_source = IngestionSource.objects.create(name="baseline", slug="baseline")
        import_source = IngestionSource.objects.create(
            name="import", slug="import", kind=IngestionSource.Kind.IMPORT
        )
        responded_at = timezone.now().replace(microsecond=0)
        stamp = responded_at.isoformat()
        tmp = Path(tempfile.mkdtemp())
        half = n // 2
        timings = {"baseline": 0.0, "import": 0.0, "validate_only": 0.0}
        # Warm-up, untimed: first queries, caches and the broker connection cost once.
        warm = tmp / "warm.csv"
        write_csv(warm, "warm-i", 50, stamp)
        with warm.open(encoding="utf-8-sig", newline="") as stream:
            responses_import(source=import_source, rows=rows_read(stream, "csv"))
        for row in rows("warm-b", 50, stamp):
            response_ingest(
                source=baseline_source,
                data=ResponseData(
                    survey=survey,
                    external_id=row["external_id"],
                    score=row["score"],
                    customer=CustomerData(external_id=row["customer_external_id"]),
                    responded_at=responded_at,
                ),
            )
        for round_ in (1, 2):
            # Baseline: ready-made ResponseData, nothing parsed or validated.
            data = [
                ResponseData(
                    survey=survey,
                    external_id=row["external_id"],
                    score=row["score"],
                    customer=CustomerData(
                        external_id=row["customer_external_id"],
                        email=row["customer_email"],
                        attributes={
                            "name": row["customer_name"],
                            "segment": row["customer_segment"],
                        },
                    ),
                    responded_at=responded_at,
                    comment=row["comment"],
                    channel=row["channel"],
                    metadata={"order_id": row["meta_order_id"]},
                )
                for row in rows(f"b{round_}", half, stamp)
            ]
            start = time.perf_counter()
            for item in data:
                response_ingest(source=baseline_source, data=item)
            timings["baseline"] += time.perf_counter() - start

            path = tmp / f"import{round_}.csv"
            write_csv(path, f"i{round_}", half, stamp)
            start = time.perf_counter()
            with path.open(encoding="utf-8-sig", newline="") as stream:
                summary = responses_import(source=import_source, rows=rows_read(stream, "csv"))
            timings["import"] += time.perf_counter() - start
            assert summary.created == half and summary.errors == 0, summary.as_dict()

            # The same file read, typed and validated, with nothing stored.
            start = time.perf_counter()
            cache: dict = {}
            with path.open(encoding="utf-8-sig", newline="") as stream:
                for _line, row in rows_read(stream, "csv"):
                    response_data(row, context=cache)
            timings["validate_only"] += time.perf_counter() - start
        counts = {
            "baseline_stored": Response.objects.filter(source=baseline_source).count() - 50,
            "import_stored": Response.objects.filter(source=import_source).count() - 50,
        }
        return {"vendor": connection.vendor, "rows": 2 * half, **timings, **counts}
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


def run(database: str, n: int) -> dict | None:
    env = dict(os.environ, CELERY_TASK_ALWAYS_EAGER="false", LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)  # the outbox writes rows; nothing is delivered during the bench
    with tempfile.TemporaryDirectory() as tmp:
        if database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            env["BENCH_SQLITE_FILE"] = f"{tmp}/test_bench.sqlite3"
        else:
            if not postgres_reachable():
                print(f"postgres: not reachable at {POSTGRES_URL}; skipped")
                return None
            env["DATABASE_URL"] = POSTGRES_URL
        env["FD_VAR_DIR"] = tmp
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(n)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"{database}: benchmark failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows)))
        return
    print(f"import throughput, {args.rows} rows per path (two interleaved rounds)")
    print(f"{'database':<10} {'baseline':>12} {'import':>12} {'ratio':>7} {'validate only':>15}")
    for database in args.databases.split(","):
        result = run(database.strip(), args.rows)
        if result is None:
            continue
        n = result["rows"]
        base = n / result["baseline"]
        imp = n / result["import"]
        val = n / result["validate_only"]
        print(
            f"{database:<10} {base:>8.0f} r/s {imp:>8.0f} r/s {imp / base:>7.2f} {val:>11.0f} r/s"
        )
    print("ratio = import rows/s ÷ baseline rows/s (1.00 means parsing+validation cost nothing)")


if __name__ == "__main__":
    main()
