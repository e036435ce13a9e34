"""The engine's statement count does not grow with the batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.batch import responses_ingest_batch
from intake.services import CustomerData, ResponseData
from sla.models import SlaClock, SlaPolicy
from tests.factories import SourceFactory, SurveyFactory, TeamFactory, UserFactory
from tickets.models import Team, Ticket, TicketEvent

NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=dt.UTC)


def detractors(survey, tag: str, size: int) -> list[ResponseData]:
    return [
        ResponseData(
            survey=survey,
            external_id=f"{tag}-{n}",
            score=n % 7,
            customer=CustomerData(external_id=f"{tag}-c{n}", email=f"{tag}{n}@example.com"),
            responded_at=NOW,
            comment="Курьер опоздал / the courier was late",
        )
        for n in range(size)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("strategy", [Team.Strategy.ROUND_ROBIN, Team.Strategy.FEWEST_OPEN])
def test_statements_per_batch_are_the_same_for_20_and_400_new_detractors(strategy):
    survey = SurveyFactory(slug="nps-2026")
    source = SourceFactory()
    team = TeamFactory(slug="general", is_fallback=True, assignment_strategy=strategy)
    team.members.set([UserFactory(username=f"agent{i}") for i in range(3)])
    SlaPolicy.objects.create(
        name="default", first_contact_minutes=60, resolution_minutes=600, is_default=True
    )
    counts = []
    for tag, size in (("small", 20), ("large", 400)):
        with CaptureQueriesContext(connection) as queries:
            results = responses_ingest_batch(
                source=source, items=detractors(survey, tag, size), now=NOW
            )
        assert all(r.created and r.ticket_id for r in results)
        counts.append(len(queries))
    if connection.vendor == "postgresql":  # SQLite: chunks of its 999 bound parameters
        assert counts[0] == counts[1], counts
        assert counts[0] <= 26, counts  # ids reserved, every row written once
    assert Ticket.objects.count() == 420
    assert SlaClock.objects.count() == 840
    assert TicketEvent.objects.count() == 420
    assert not Ticket.objects.filter(next_due_at__isnull=True).exists()
