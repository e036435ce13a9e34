"""Cursor (keyset) pagination gives exactly the rows of page numbers, in the same order,
for every ordering and with filters; counts are capped and say so."""

from __future__ import annotations

import datetime as dt
import random
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from surveys.models import Customer, Response
from tests import factories
from tickets.models import Team, Ticket
from tickets.models.choices import PRIORITY_RANK, Priority, Status
from tickets.queries import ORDERINGS

pytestmark = pytest.mark.postgres

BASE = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(db, survey, source):
    """Tickets with ties everywhere: few distinct times, NULL deadlines, two teams."""
    rng = random.Random(12)
    teams = [factories.TeamFactory(slug="north"), factories.TeamFactory(slug="south")]
    count = 90
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"c{i}", email=f"c{i}@example.com", name=f"C {i}")
        for i in range(count)
    )
    answers = Response.objects.bulk_create(
        Response(
            survey=survey,
            source=source,
            customer=customer,
            external_id=f"r{i}",
            score=rng.choice([0, 3, 6, 8, 10]),
            category="detractor",
            responded_at=BASE + dt.timedelta(hours=rng.randrange(6)),
        )
        for i, customer in enumerate(customers)
    )
    priorities = [p for p, _ in Priority.choices]
    tickets = []
    for customer, answer in zip(customers, answers, strict=True):
        priority = rng.choice(priorities)
        status = rng.choice([Status.NEW, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED])
        due = None if rng.random() < 0.4 else BASE + dt.timedelta(hours=rng.randrange(5))
        tickets.append(
            Ticket(
                customer=customer,
                origin_response=answer,
                team=rng.choice(teams),
                status=status,
                priority=priority,
                priority_rank=PRIORITY_RANK[priority],
                created_at=BASE + dt.timedelta(minutes=rng.randrange(8)),
                next_due_at=due,
            )
        )
    Ticket.objects.bulk_create(tickets)
    return {"teams": teams}


@pytest.fixture
def admin(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def by_pages(client, url: str, params: str) -> list[int]:
    ids, page = [], 1
    while True:
        answer = client.get(f"{url}?{params}&page_size=7&page={page}")
        assert answer.status_code == 200, answer.content
        body = answer.json()
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return ids
        page += 1


def by_cursor(client, url: str, params: str) -> tuple[list[int], str]:
    ids, link, last = [], f"{url}?{params}&page_size=7&cursor=", None
    while link:
        answer = client.get(link)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert "count" not in body
        ids += [row["id"] for row in body["results"]]
        last, link = link, body["next"] and path_of(body["next"])
    return ids, last


def backwards(client, last_page: str) -> list[int]:
    """From the last page, following `previous` to the first: every row once."""
    body = client.get(last_page).json()
    pages = [[row["id"] for row in body["results"]]]
    while body["previous"]:
        body = client.get(path_of(body["previous"])).json()
        pages.insert(0, [row["id"] for row in body["results"]])
    return [pk for page in pages for pk in page]


TICKET_PARAMS = [f"ordering={name}" for name in ORDERINGS] + [
    "",
    "status=new&status=in_progress",
    "team=north&ordering=-due",
    "priority=high&priority=urgent&ordering=priority",
    "status=resolved&ordering=-created",
]


@pytest.mark.parametrize("params", TICKET_PARAMS)
def test_ticket_cursor_walk_equals_page_walk(world, admin, params):
    pages = by_pages(admin, "/api/v1/tickets/", params)
    cursor, last_page = by_cursor(admin, "/api/v1/tickets/", params)
    assert cursor == pages
    assert len(set(pages)) == len(pages) > 0
    assert backwards(admin, last_page) == pages


def test_ticket_cursor_walk_equals_page_walk_for_an_agent(world):
    agent = factories.UserFactory(username="agent")
    Team.objects.get(slug="south").members.add(agent)
    client = APIClient()
    client.force_authenticate(agent)
    for params in ("", "ordering=-due", "ordering=priority&status=new"):
        pages = by_pages(client, "/api/v1/tickets/", params)
        assert by_cursor(client, "/api/v1/tickets/", params)[0] == pages
        assert set(pages) <= set(
            Ticket.objects.filter(team__slug="south").values_list("pk", flat=True)
        )


def test_due_order_puts_tickets_without_deadline_last(world, admin):
    ids, _ = by_cursor(admin, "/api/v1/tickets/", "ordering=due")
    due = dict(Ticket.objects.values_list("pk", "next_due_at"))
    values = [due[pk] for pk in ids]
    first_null = values.index(None)
    assert all(v is None for v in values[first_null:])
    assert values[:first_null] == sorted(values[:first_null])


@pytest.mark.parametrize(
    "params", ["", "category=detractor", "survey=nps-2026&since=2026-11-01T11:00:00Z"]
)
def test_response_cursor_walk_equals_page_walk(world, admin, params):
    pages = by_pages(admin, "/api/v1/responses/", params)
    cursor, last_page = by_cursor(admin, "/api/v1/responses/", params)
    assert cursor == pages
    assert len(pages) == Response.objects.count() if not params else len(pages) > 0
    assert backwards(admin, last_page) == pages


def test_count_is_capped_and_says_so_and_deep_pages_still_work(world, admin, settings):
    settings.LIST_COUNT_CAP = 10
    body = admin.get("/api/v1/tickets/?page_size=7").json()
    assert (body["count"], body["count_capped"]) == (10, True)
    deep = admin.get("/api/v1/tickets/?page_size=7&page=3").json()  # rows 15-21, past the cap
    assert len(deep["results"]) == 7
    last = admin.get("/api/v1/tickets/?page_size=7&page=13").json()  # 90 rows: 84-89
    assert (last["count"], last["count_capped"], last["next"]) == (90, False, None)
    assert admin.get("/api/v1/tickets/?page_size=7&page=14").status_code == 404
    assert admin.get("/api/v1/tickets/?page=0").status_code == 404


def test_the_count_never_reads_more_than_the_cap(world, admin, settings):
    settings.LIST_COUNT_CAP = 10
    with CaptureQueriesContext(connection) as queries:
        admin.get("/api/v1/tickets/?page_size=5")
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 11" in counts[0]


def test_filters_add_no_distinct(world, admin):
    with CaptureQueriesContext(connection) as queries:
        admin.get("/api/v1/tickets/?status=new&status=resolved&priority=high&pagination=cursor")
    assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]


def test_a_foreign_or_garbled_cursor_is_a_400_naming_cursor(world, admin):
    body = admin.get("/api/v1/tickets/?ordering=created&page_size=5&cursor=").json()
    foreign = urlsplit(body["next"]).query.split("cursor=")[1]
    for bad in (foreign + "&ordering=priority", "garbage", "eyJvIjpbXX0"):
        answer = admin.get(f"/api/v1/tickets/?cursor={bad}")
        assert answer.status_code == 400
        assert "cursor" in answer.json()["errors"]


def test_a_bad_page_size_is_a_400_naming_it_and_a_large_one_is_accepted(world, admin):
    answer = admin.get("/api/v1/responses/?page_size=0")
    assert answer.status_code == 400
    assert "page_size" in answer.json()["errors"]
    assert len(admin.get("/api/v1/tickets/?page_size=100000").json()["results"]) == 90


def test_a_row_gone_between_the_two_reads_of_a_deep_page_keeps_its_place(db):
    """Past the first page the ids are read first, then the rows: a row deleted or no
    longer matching in between is left out, and the page neither pulls in the next
    page's first row nor makes the next page start early."""
    from feedback_desk.pagination import ListPagination

    pks = [Customer.objects.create(email=f"c{n}@example.com").pk for n in range(20)]
    gone = pks[9]

    class Racing(type(Customer.objects.all())):
        def filter(self, *args, **kwargs):
            return super().filter(*args, **kwargs).exclude(pk=gone)

    racing = Racing(model=Customer).order_by("pk")
    rows, found = ListPagination.rows_at(racing, 7, 7)
    assert [c.pk for c in rows] == [pk for pk in pks[7:14] if pk != gone]
    assert found == 8  # a next page still follows, from position 14
    rows, found = ListPagination.rows_at(Customer.objects.order_by("pk"), 14, 7)
    assert [c.pk for c in rows] == pks[14:20] and found == 6
