"""Taking a ticket: an agent takes an unassigned ticket of their team or keeps one already
theirs; a ticket a colleague holds is a 409 naming the holder, through `assign` as through
`claim`; managers and admins reassign. The timeline reads in commit order."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.queue.conftest import open_ticket, user_with_role
from tickets.events import event_record
from tickets.models import Ticket, TicketEvent
from tickets.services import assignment


def assign(api, user, ticket, assignee):
    api.force_authenticate(user)
    return api.post(
        f"/api/v1/tickets/{ticket.pk}/assign/",
        {"assignee": assignee.pk if assignee else None},
        format="json",
    )


@pytest.mark.django_db
def test_assigning_yourself_a_colleagues_ticket_is_409_naming_the_holder(world, api):
    ticket = open_ticket(world, unassigned=True)
    assert assign(api, world.agent_a, ticket, world.agent_a).status_code == 200
    answer = assign(api, world.agent_a2, ticket, world.agent_a2)
    assert answer.status_code == 409, answer.json()
    body = answer.json()
    assert body["code"] == "already_claimed"
    assert body["holder"]["id"] == world.agent_a.pk
    assert "assignee" in body["errors"]
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.agent_a
    # nor may the colleague send it back to the queue or to someone else
    assert assign(api, world.agent_a2, ticket, None).status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.agent_a


@pytest.mark.django_db
def test_the_holder_hands_on_and_managers_and_admins_reassign(world, api):
    ticket = open_ticket(world, unassigned=True)
    assert assign(api, world.agent_a, ticket, world.agent_a).status_code == 200
    assert assign(api, world.agent_a, ticket, world.agent_a).status_code == 200  # already theirs
    assert assign(api, world.agent_a, ticket, world.agent_a2).status_code == 200  # hands it on
    assert assign(api, world.manager, ticket, world.agent_a).status_code == 200
    assert assign(api, world.admin, ticket, world.agent_a2).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).assignee == world.agent_a2


@pytest.mark.postgres
def test_four_agents_assigning_themselves_at_once_one_wins(transactional_db, world):
    ticket = open_ticket(world, unassigned=True)
    agents = [world.agent_a, world.agent_a2]
    for i in range(2):
        agent = user_with_role(f"taker{i}", "agent")
        world.team_a.members.add(agent)
        agents.append(agent)
    barrier = threading.Barrier(len(agents))
    results: list = [None] * len(agents)

    def take(index: int) -> None:
        client = APIClient()
        client.force_authenticate(agents[index])
        try:
            barrier.wait(timeout=10)
            answer = client.post(
                f"/api/v1/tickets/{ticket.pk}/assign/",
                {"assignee": agents[index].pk},
                format="json",
            )
            results[index] = (answer.status_code, answer.json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(agents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r[0] for r in results) == [200, 409, 409, 409], results
    winner = agents[next(i for i, r in enumerate(results) if r[0] == 200)]
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == winner.pk
    for code, body in results:
        if code == 409:
            assert body["holder"]["id"] == winner.pk
    events = list(ticket.events.order_by("at", "id"))
    assert [e.data["to"] for e in events if e.kind == "assigned"] == [winner.pk]
    assert [e.at for e in events] == sorted(e.at for e in events)


@pytest.mark.django_db
def test_an_event_recorded_now_never_goes_before_the_latest(world):
    """A service that read the clock, then waited for the ticket's lock, records after
    whatever the holder committed meanwhile: the history reads in order."""
    ticket = open_ticket(world, unassigned=True)
    latest = ticket.events.order_by("-at", "-id").first()
    earlier = latest.at - dt.timedelta(seconds=5)
    assignment.ticket_claim(ticket=ticket, by=world.agent_a, now=earlier)
    claimed = ticket.events.get(kind=TicketEvent.Kind.ASSIGNED)
    assert claimed.at == latest.at
    assert list(ticket.events.order_by("at", "id"))[-1] == claimed
    # events about the past (a breach at its deadline) keep their own time
    past = event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.NOTE,
        at=earlier - dt.timedelta(hours=1),
        backdated=True,
    )
    assert past.at == earlier - dt.timedelta(hours=1)
