"""Ingestion throughput: the service alone (baseline) vs POST /responses/ vs bulk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fd_bench_ingest python bench/ingest.py [N]

Uses (and empties) the database named in DATABASE_URL, creating it if missing.
Prints answers per second for each path and the ratio against the baseline.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import ensure_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
os.environ.setdefault("BULK_ASYNC_THRESHOLD", "1000")  # time the synchronous path
os.environ.setdefault("THROTTLE_INGEST", "")


def main(n: int) -> None:
    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from intake.services import CustomerData, ResponseData, response_ingest
    from surveys.models import Customer, IngestionSource, Response, Survey
    from tickets.models import Ticket

    call_command("migrate", verbosity=0)
    for model in (Ticket,):
        model.objects.all().delete()
    Response.objects.all().delete()
    Customer.objects.all().delete()
    survey, _ = Survey.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    source, _ = IngestionSource.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    key = source.issue_key()
    source.save()
    now = timezone.now()

    def body(prefix: str, i: int) -> dict:
        return {
            "survey": "bench",
            "external_id": f"{prefix}-{i}",
            "score": i % 11,
            "comment": "Курьер опоздал, никто не позвонил." if i % 2 else "Late again.",
            "responded_at": now.isoformat(),
            "customer": {
                "external_id": f"{prefix}-c{i % (n // 2 or 1)}",
                "email": f"{prefix}{i % (n // 2 or 1)}@example.com",
            },
        }

    def timed(label: str, work) -> float:
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
        print(f"{label:<34} {n / seconds:8.0f} answers/s  ({seconds:.2f} s for {n})")
        return seconds

    def service_loop():
        for i in range(n):
            b = body("svc", i)
            response_ingest(
                source=source,
                data=ResponseData(
                    survey=survey,
                    external_id=b["external_id"],
                    score=b["score"],
                    comment=b["comment"],
                    responded_at=now,
                    customer=CustomerData(**b["customer"]),
                ),
            )

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def api_single():
        for i in range(n):
            answer = client.post(
                "/api/v1/responses/", json.dumps(body("api", i)), content_type="application/json"
            )
            assert answer.status_code == 201, answer.content

    def api_bulk():
        for start in range(0, n, 1000):
            items = [body("bulk", i) for i in range(start, min(n, start + 1000))]
            answer = client.post(
                "/api/v1/responses/bulk/", json.dumps(items), content_type="application/json"
            )
            assert answer.json()["errors"] == 0, answer.content[:500]

    def api_replay():
        for i in range(n):
            answer = client.post(
                "/api/v1/responses/", json.dumps(body("api", i)), content_type="application/json"
            )
            assert answer.status_code == 200

    print(f"database: {connection.vendor}, {n} answers per path, ~45% detractors")
    baseline = timed("service call (baseline)", service_loop)
    single = timed("POST /responses/ (one per request)", api_single)
    bulk = timed("POST /responses/bulk/ (1,000 per req)", api_bulk)
    replay = timed("replays (duplicates)", api_replay)
    print(
        f"ratio single/baseline {single / baseline:.2f}, bulk/baseline {bulk / baseline:.2f}, "
        f"replay/baseline {replay / baseline:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
