"""The list endpoints at depth: GET /api/v1/tickets/ and /responses/ first page, page 500
by page number (OFFSET) and the same rows by cursor, and filtered pages, against a raw
indexed SELECT of the same rows measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fd_bench_lists python bench/api_lists.py [N]

N tickets (default 200,000), each with its customer and answer, seeded with bulk INSERTs
(a few minutes); the data are kept between runs when N matches. Prints p50/p95 in ms and
the p95 ratio against the raw SELECT.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import ensure_database, pct, production_like_env  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")
production_like_env()  # no query log, production-like timings

PAGE = 50
DEEP = 500
REPEAT = 30
CHUNK = 5000


def seed(n: int) -> None:
    from django.db import connection, transaction

    from surveys.models import Customer, IngestionSource, Response, Survey
    from tickets.models import Team, Ticket
    from tickets.models.choices import PRIORITY_RANK

    if Ticket.objects.count() == n:
        return
    started = time.perf_counter()
    Ticket.objects.all().delete()
    Response.objects.all().delete()
    Customer.objects.all().delete()
    survey, _ = Survey.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    source, _ = IngestionSource.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    teams = [
        Team.objects.get_or_create(slug=f"team-{i}", defaults={"name": f"Team {i}"})[0]
        for i in range(5)
    ]
    rng = random.Random(7)
    start = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    for first in range(0, n, CHUNK):
        size = min(CHUNK, n - first)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(external_id=f"b{i}", email=f"b{i}@example.com", name=f"Клиент {i}")
                for i in range(first, first + size)
            )
            opened = [start + dt.timedelta(seconds=rng.randrange(365 * 86400)) for _ in customers]
            answers = Response.objects.bulk_create(
                Response(
                    survey=survey,
                    source=source,
                    customer=customer,
                    external_id=f"b{first + i}",
                    score=rng.randrange(7),
                    category="detractor",
                    comment="Курьер опоздал" if i % 2 else "Late again",
                    responded_at=opened[i],
                )
                for i, customer in enumerate(customers)
            )
            tickets = []
            for customer, answer, at in zip(customers, answers, opened, strict=True):
                is_open = at > now - dt.timedelta(days=30) or rng.random() < 0.05
                priority = rng.choice(list(PRIORITY_RANK))
                tickets.append(
                    Ticket(
                        customer=customer,
                        origin_response=answer,
                        team=rng.choice(teams),
                        status=rng.choice(["new", "in_progress"]) if is_open else "closed",
                        priority=priority,
                        priority_rank=PRIORITY_RANK[priority],
                        created_at=at,
                        next_due_at=at + dt.timedelta(hours=rng.randrange(4, 96))
                        if is_open
                        else None,
                        sla_state="running" if is_open else "",
                    )
                )
            Ticket.objects.bulk_create(tickets)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {n:,} tickets in {time.perf_counter() - started:.0f} s", flush=True)


def main(n: int) -> None:
    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from accounts.models import User
    from feedback_desk.pagination import ListPagination, ordering_keys
    from surveys.models import Response
    from tickets.models import Team, Ticket
    from tickets.queries import ORDERINGS

    call_command("migrate", verbosity=0)
    seed(n)
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = APIClient()
    client.force_authenticate(admin)
    team = Team.objects.get(slug="team-1")

    def cursor_at(queryset, offset: int) -> str:
        """The cursor a client holds after walking `offset` rows (built, not walked)."""
        paginator = ListPagination()
        paginator.keys = ordering_keys(queryset)
        paginator.signature = [[k.field, k.descending] for k in paginator.keys]
        row = queryset.order_by(*(k.order() for k in paginator.keys))[offset - 1]
        return paginator.encode_cursor(row, backwards=False)

    def timed(work) -> list[float]:
        work()  # warm
        times = []
        for _ in range(REPEAT):
            begin = time.perf_counter()
            work()
            times.append((time.perf_counter() - begin) * 1000)
        return times

    def api(url: str):
        def work():
            answer = client.get(url, secure=True)
            assert answer.status_code == 200, (answer.status_code, answer.content[:300])
            assert len(answer.json()["results"]) == PAGE

        return work

    def same_rows(table: str, queryset, offset: int):
        """The baseline: the page's rows read by primary key (the floor for any list)."""
        keys = ordering_keys(queryset)
        ids = list(
            queryset.order_by(*(k.order() for k in keys)).values_list("pk", flat=True)[
                offset : offset + PAGE
            ]
        )

        def work():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {table} WHERE id = ANY(%s)", [ids])
                assert len(cursor.fetchall()) == PAGE

        return work

    deep = (DEEP - 1) * PAGE
    tickets = Ticket.objects.order_by(*ORDERINGS["due"])
    new_due = Ticket.objects.filter(status="new").order_by(*ORDERINGS["due"])
    team_created = Ticket.objects.filter(team=team).order_by(*ORDERINGS["-created"])
    answers = Response.objects.order_by("-responded_at", "-id")
    t, r = "tickets_ticket", "surveys_response"
    url = f"/api/v1/tickets/?page_size={PAGE}"
    rurl = f"/api/v1/responses/?page_size={PAGE}"
    team_url = f"{url}&team={team.pk}&ordering=-created"
    cases = [
        ("tickets, first page", url, same_rows(t, tickets, 0)),
        (f"tickets, page {DEEP} (offset)", f"{url}&page={DEEP}", same_rows(t, tickets, deep)),
        (
            f"tickets, page {DEEP} (cursor)",
            f"{url}&cursor={cursor_at(tickets, deep)}",
            same_rows(t, tickets, deep),
        ),
        ("tickets ?status=new, first page", f"{url}&status=new", same_rows(t, new_due, 0)),
        (
            "tickets ?status=new, page 40 (offset)",
            f"{url}&status=new&page=40",
            same_rows(t, new_due, 39 * PAGE),
        ),
        (
            "tickets ?status=new, page 40 (cursor)",
            f"{url}&status=new&cursor={cursor_at(new_due, 39 * PAGE)}",
            same_rows(t, new_due, 39 * PAGE),
        ),
        (
            "tickets ?team&ordering=-created, page 400 (offset)",
            f"{team_url}&page=400",
            same_rows(t, team_created, 399 * PAGE),
        ),
        (
            "tickets ?team&ordering=-created, page 400 (cursor)",
            f"{team_url}&cursor={cursor_at(team_created, 399 * PAGE)}",
            same_rows(t, team_created, 399 * PAGE),
        ),
        ("responses, first page", rurl, same_rows(r, answers, 0)),
        (f"responses, page {DEEP} (offset)", f"{rurl}&page={DEEP}", same_rows(r, answers, deep)),
        (
            f"responses, page {DEEP} (cursor)",
            f"{rurl}&cursor={cursor_at(answers, deep)}",
            same_rows(r, answers, deep),
        ),
    ]
    print(f"{n:,} tickets and answers, {PAGE} rows a page, {REPEAT} runs each (ms)")
    print(f"{'request':<48} {'p50':>7} {'p95':>7} {'by id p95':>9} {'ratio':>6}")
    for label, path, baseline in cases:
        took, base = timed(api(path)), timed(baseline)
        p95, base95 = pct(took, 0.95), pct(base, 0.95)
        print(
            f"{label:<48} {pct(took, 0.5):7.1f} {p95:7.1f} {base95:9.1f} {p95 / base95:6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
