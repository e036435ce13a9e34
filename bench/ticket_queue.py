"""The queue API as the queue grows: GET /tickets/ (one page) and GET /tickets/{id}/
against a selector-only baseline measured in the same run, at two queue sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fd_bench_queue python bench/ticket_queue.py [N]

Uses (and empties) the database named in DATABASE_URL, creating it if missing.
Prints ms per request, SQL queries per request, and ratios against the baseline.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import ensure_database, production_like_env  # noqa: E402
from tickets.services import contacts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
production_like_env()  # no query log, production-like timings


def main(n: int) -> None:
    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import User
    from intake.services import CustomerData, ResponseData, response_ingest
    from notifications.models import Delivery
    from sla.models import SlaPolicy
    from surveys.models import Customer, IngestionSource, Response, Survey
    from tickets.models import Team, Ticket
    from tickets.selectors import queue_base

    call_command("migrate", verbosity=0)
    Ticket.objects.all().delete()
    Response.objects.all().delete()
    Customer.objects.all().delete()
    Delivery.objects.all().delete()
    survey, _ = Survey.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    source, _ = IngestionSource.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    SlaPolicy.objects.get_or_create(
        is_default=True,
        defaults={"name": "Bench", "first_contact_minutes": 240, "resolution_minutes": 2880},
    )
    team, _ = Team.objects.get_or_create(
        slug="general", defaults={"name": "General", "is_fallback": True}
    )
    agent, _ = User.objects.get_or_create(username="bench-agent")
    team.members.add(agent)
    client = APIClient()
    client.force_authenticate(agent)
    created = 0

    def grow(to: int) -> None:
        nonlocal created
        now = timezone.now()
        while created < to:
            i = created
            result = response_ingest(
                source=source,
                data=ResponseData(
                    survey=survey,
                    external_id=f"q-{i}",
                    score=i % 7,
                    comment="Курьер опоздал" if i % 2 else "Late again",
                    responded_at=now,
                    customer=CustomerData(external_id=f"qc-{i}", email=f"qc{i}@example.com"),
                ),
            )
            for _ in range(3):
                contacts.contact_attempt_log(
                    ticket=result.response.ticket, by=agent, channel="phone", outcome="no_answer"
                )
            created += 1

    def measure(label: str, work, repeat: int = 30) -> tuple[float, int]:
        work()  # warm
        statements = []
        with connection.execute_wrapper(lambda ex, sql, *a: statements.append(sql) or ex(sql, *a)):
            work()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            work()
            times.append((time.perf_counter() - start) * 1000)
        ms = statistics.median(times)
        print(f"  {label:<40} {ms:7.2f} ms  {len(statements):3d} queries")
        return ms, len(statements)

    print(f"database: {connection.vendor}; 3 contact attempts per ticket; page size 50")
    for size in (max(n // 20, 60), n):
        grow(size)
        pk = Ticket.objects.order_by("pk").values_list("pk", flat=True).first()
        print(f"queue of {size} tickets")
        base, _ = measure(
            "selector only (baseline: one page)", lambda: list(queue_base(agent)[:50])
        )
        listing, _ = measure(
            "GET /api/v1/tickets/", lambda: client.get("/api/v1/tickets/?ordering=due")
        )
        detail, _ = measure(
            "GET /api/v1/tickets/{id}/", lambda pk=pk: client.get(f"/api/v1/tickets/{pk}/")
        )
        searched, _ = measure(
            "GET /api/v1/tickets/?q=опоздал", lambda: client.get("/api/v1/tickets/?q=опоздал")
        )
        print(
            f"  ratios vs baseline: list {listing / base:.2f}, detail {detail / base:.2f}, "
            f"search {searched / base:.2f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
