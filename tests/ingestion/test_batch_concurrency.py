"""Eight writers sending overlapping batches for the same customers at the same moment."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count

from intake.batch import responses_ingest_batch
from intake.services import CustomerData, ResponseData
from surveys.models import Customer, IngestionSource, Response, Survey
from tests import threads
from tests.factories import SourceFactory, SurveyFactory, TeamFactory, UserFactory
from tickets.models import OPEN_STATUSES, Team, Ticket

THREADS = 8
NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=dt.UTC)


def run_at_once(work) -> list:
    return threads.run_at_once(work, THREADS)


def overlapping_batch(thread: int, survey: Survey) -> list[ResponseData]:
    """30 detractor answers; neighbouring threads share 20 of them, all share customers."""
    items = []
    for k in range(30):
        n = (thread * 10 + k) % 60
        items.append(
            ResponseData(
                survey=survey,
                external_id=f"answer-{n}",
                score=n % 7,
                customer=CustomerData(
                    external_id=f"cust-{n % 12}",
                    email=f"c{n % 12}@example.com",
                    attributes={"name": f"Customer {n % 12}", "segment": "smb"},
                ),
                responded_at=NOW,
            )
        )
    return items


@pytest.mark.postgres
def test_overlapping_batches_leave_one_open_ticket_per_customer_and_no_duplicate(
    transactional_db,
):
    SurveyFactory(slug="nps-2026")
    SourceFactory()
    agents = [UserFactory(username=f"agent{i}") for i in range(3)]
    team = TeamFactory(slug="general", is_fallback=True)
    team.members.set(agents)

    def work(thread: int):
        survey = Survey.objects.get(slug="nps-2026")
        source = IngestionSource.objects.get(slug="test-source")
        return responses_ingest_batch(
            source=source, items=overlapping_batch(thread, survey), now=NOW
        )

    results = run_at_once(work)
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = Counter(item.status for batch in results for item in batch)
    assert set(statuses) <= {"created", "duplicate"}, statuses
    created = Counter(
        item.response.external_id for batch in results for item in batch if item.created
    )
    assert set(created.values()) == {1} and len(created) == 60
    assert Response.objects.count() == 60
    assert Customer.objects.count() == 12
    per_customer = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .values("customer")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert sorted(per_customer) == [1] * 12
    detractors = Response.objects.filter(category="detractor")
    assert not detractors.filter(ticket__isnull=True).exists()
    # fewest-open stays balanced with eight writers: 12 tickets over 3 agents
    loads = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert sorted(loads.values()) == [4, 4, 4], loads
    assert Team.objects.get(pk=team.pk).tickets.count() == 12
