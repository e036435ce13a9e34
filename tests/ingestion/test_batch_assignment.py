"""Agent assignment under many writers: round-robin and fewest-open stay exact, and two
batches for the same team queue only for the assignment at the end, not for each other's
whole transaction."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

import intake.batch_tickets as batch_tickets
from intake.batch import responses_ingest_batch
from intake.services import CustomerData, ResponseData
from sla.models import SlaClock
from surveys.models import IngestionSource, Survey
from tests.factories import SourceFactory, SurveyFactory, TeamFactory, UserFactory
from tests.ingestion.test_batch_concurrency import NOW, THREADS, run_at_once
from tickets.models import Team, Ticket


def new_detractors(survey: Survey, numbers) -> list[ResponseData]:
    return [
        ResponseData(
            survey=survey,
            external_id=f"answer-{n}",
            score=n % 7,
            customer=CustomerData(external_id=f"cust-{n}", email=None, attributes={}),
            responded_at=NOW,
        )
        for n in numbers
    ]


def world(strategy: str) -> list:
    SurveyFactory(slug="nps-2026")
    SourceFactory()
    agents = [UserFactory(username=f"agent{i}") for i in range(3)]
    team = TeamFactory(slug="general", is_fallback=True, assignment_strategy=strategy)
    team.members.set(agents)
    return agents


def batch_of(numbers) -> list:
    survey = Survey.objects.get(slug="nps-2026")
    source = IngestionSource.objects.get(slug="test-source")
    return responses_ingest_batch(source=source, items=new_detractors(survey, numbers), now=NOW)


@pytest.mark.postgres
@pytest.mark.parametrize("strategy", [Team.Strategy.ROUND_ROBIN, Team.Strategy.FEWEST_OPEN])
def test_eight_writers_share_the_tickets_out_evenly(strategy, transactional_db):
    """Each writer has its own customers, so nothing but the assignment itself keeps the
    batches apart (overlapping customers are in test_batch_concurrency.py)."""
    world(strategy)
    results = run_at_once(lambda t: batch_of(range(4 * t, 4 * t + 4)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Ticket.objects.count() == 4 * THREADS == 32
    loads = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert None not in loads
    assert sorted(loads.values()) == [10, 11, 11], loads


@pytest.mark.postgres
@pytest.mark.parametrize("strategy", [Team.Strategy.ROUND_ROBIN, Team.Strategy.FEWEST_OPEN])
def test_a_batch_does_not_wait_for_another_batch_of_the_same_team(
    strategy, transactional_db, monkeypatch
):
    """Batch A is held after writing its answers and clocks, before it assigns (a team
    used to be locked from there until commit); batch B for the same team runs to its end
    meanwhile, then A assigns after B's tickets."""
    agents = world(strategy)
    a_inside, a_go = threading.Event(), threading.Event()
    insert = batch_tickets._insert

    def held_insert(model, objs):
        insert(model, objs)
        if model is SlaClock and threading.current_thread().name == "A":
            a_inside.set()
            a_go.wait(timeout=30)

    monkeypatch.setattr(batch_tickets, "_insert", held_insert)
    outcome: dict = {}

    def run(name: str, numbers) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:  # waiting is an error, not a hang
                    cursor.execute("SET LOCAL lock_timeout = '10s'")
                outcome[name] = batch_of(numbers)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcome[name] = exc
        finally:
            connection.close()

    a = threading.Thread(target=run, args=("A", range(0, 4)), name="A")
    b = threading.Thread(target=run, args=("B", range(10, 13)), name="B")
    a.start()
    try:
        assert a_inside.wait(timeout=30)
        b.start()
        b.join(timeout=8)
        b_finished_while_a_held = not b.is_alive()
    finally:
        a_go.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert b_finished_while_a_held, "B waited for A's transaction"
    assert all(r.created and r.ticket_id for r in outcome["B"]), outcome["B"]
    assert all(r.created and r.ticket_id for r in outcome["A"]), outcome["A"]
    first, second, third = (agent.pk for agent in agents)
    by_answer = dict(Ticket.objects.values_list("origin_response__external_id", "assignee_id"))
    # B committed first with agents 1, 2, 3; A comes after it: 1, 2, 3, 1
    assert [by_answer[f"answer-{n}"] for n in (10, 11, 12)] == [first, second, third]
    assert [by_answer[f"answer-{n}"] for n in range(4)] == [first, second, third, first]
