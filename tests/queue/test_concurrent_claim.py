"""Two (here eight) agents claim the same ticket at the same moment on PostgreSQL:
exactly one wins, the others get 409 naming the holder; one assignment on the timeline."""

from __future__ import annotations

import functools
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.queue.conftest import open_ticket, user_with_role
from tests.threads import join_all, start_all
from tickets.models import Ticket

THREADS = 8


@pytest.mark.postgres
def test_simultaneous_claims_one_wins(transactional_db, world):
    ticket = open_ticket(world, unassigned=True)
    agents = [world.agent_a, world.agent_a2]
    for i in range(THREADS - len(agents)):
        agent = user_with_role(f"extra{i}", "agent")
        world.team_a.members.add(agent)
        agents.append(agent)
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def claim(index: int) -> None:
        client = APIClient()
        client.force_authenticate(agents[index])
        try:
            barrier.wait(timeout=10)
            answer = client.post(f"/api/v1/tickets/{ticket.pk}/claim/", {}, format="json")
            results[index] = (answer.status_code, answer.json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[index] = exc
        finally:
            connection.close()

    join_all(start_all([functools.partial(claim, i) for i in range(THREADS)]), timeout=60)

    codes = sorted(r[0] for r in results)
    assert codes == [200] + [409] * (THREADS - 1), results
    winner_index = next(i for i, r in enumerate(results) if r[0] == 200)
    winner = agents[winner_index]
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.assignee_id == winner.pk
    for status, body in results:
        if status == 409:
            assert body["holder"]["id"] == winner.pk
            assert body["code"] == "already_claimed"
            assert str(winner) in body["detail"]
    assert ticket.events.filter(kind="assigned").count() == 1
