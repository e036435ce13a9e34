"""Every ticket endpoint × every kind of caller: who may, who gets 404 (outside scope,
not 403, so ticket ids do not leak), and who must sign in."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.queue.conftest import open_ticket, user_with_role
from tickets.models import Ticket
from tickets.services import assignment, resolving


def ticket_for(endpoint: str, world) -> Ticket:
    """A team_a ticket in the state the endpoint needs to succeed."""
    ticket = open_ticket(world, unassigned=endpoint in ("claim", "assign"))
    if endpoint == "reopen":
        resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    return ticket


def call(client: APIClient, endpoint: str, ticket: Ticket, world):
    base = f"/api/v1/tickets/{ticket.pk}/"
    bodies = {
        "claim": {},
        "assign": {"assignee": world.agent_a2.pk},
        "contacts": {"channel": "phone", "outcome": "reached", "note": "talked"},
        "status": {"status": "waiting_on_customer"},
        "resolve": {"resolution_code": "unreachable", "note": "three tries"},
        "reopen": {"reason": "customer called back"},
    }
    if endpoint == "list":
        return client.get("/api/v1/tickets/")
    if endpoint == "detail":
        return client.get(base)
    return client.post(f"{base}{endpoint}/", bodies[endpoint], format="json")


OK = {"list": 200, "detail": 200, "claim": 200, "assign": 200, "contacts": 201}
OK |= {"status": 200, "resolve": 200, "reopen": 200}
ENDPOINTS = list(OK)
OUTSIDE = {e: (200 if e == "list" else 404) for e in ENDPOINTS}
EXPECTED = {
    "agent_of_team": OK,
    "agent_of_other_team": OUTSIDE,
    "manager": OK,
    "manager_of_other_team": OUTSIDE,
    "signed_in_without_team": OUTSIDE,
    "admin": OK,
    "anonymous": {e: 401 for e in ENDPOINTS},
}
SEES_THE_TICKET = {"agent_of_team", "manager", "admin"}


def caller(role: str, world):
    if role == "manager_of_other_team":
        other = user_with_role("manager_b", "manager")
        world.team_b.manager = other
        world.team_b.save()
        return other
    if role == "signed_in_without_team":
        return UserFactory(username="loner")
    return {
        "agent_of_team": world.agent_a,
        "agent_of_other_team": world.agent_b,
        "manager": world.manager,
        "admin": world.admin,
        "anonymous": None,
    }[role]


def assert_effect(endpoint: str, before: Ticket, after: Ticket, body: dict, user, world):
    """A 2xx must have done the thing, not just answered."""
    if endpoint == "detail":
        assert body["id"] == before.pk
    elif endpoint == "claim":
        assert after.assignee_id == user.pk
    elif endpoint == "assign":
        assert after.assignee_id == world.agent_a2.pk
    elif endpoint == "contacts":
        assert after.contact_attempts.filter(note="talked", outcome="reached").count() == 1
    elif endpoint == "status":
        assert before.status != "waiting_on_customer" and after.status == "waiting_on_customer"
    elif endpoint == "resolve":
        assert after.status == "resolved"
        assert after.resolutions.get().code.code == "unreachable"
    elif endpoint == "reopen":
        assert before.status == "resolved" and after.status == "in_progress"
        assert after.events.filter(kind="reopened").count() == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix(world, role, endpoint):
    ticket = ticket_for(endpoint, world)
    before = Ticket.objects.get(pk=ticket.pk)
    before_events = ticket.events.count()
    client = APIClient()
    user = caller(role, world)
    if user is not None:
        client.force_authenticate(user)
    answer = call(client, endpoint, ticket, world)
    assert answer.status_code == EXPECTED[role][endpoint], answer.content
    body = answer.json()
    after = Ticket.objects.get(pk=ticket.pk)
    if answer.status_code >= 400:
        assert body["detail"]
        assert (after.status, after.assignee_id, after.updated_at) == (
            before.status,
            before.assignee_id,
            before.updated_at,
        )
        assert ticket.events.count() == before_events  # nothing written on the timeline
    elif endpoint != "list":
        assert_effect(endpoint, before, after, body, user, world)
    if endpoint == "list" and answer.status_code == 200:
        ids = [row["id"] for row in body["results"]]
        assert (ticket.pk in ids) == (role in SEES_THE_TICKET)


def test_agent_cannot_move_a_ticket_to_another_team_but_its_manager_can(world, api):
    ticket = open_ticket(world)
    other = world.team_b
    other.manager = world.manager
    other.save()
    api.force_authenticate(world.agent_a)
    refused = api.post(
        f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": None, "team": other.pk}, format="json"
    )
    assert refused.status_code == 403
    assert "team" in refused.json()["errors"]
    unchanged = Ticket.objects.get(pk=ticket.pk)
    assert (unchanged.team_id, unchanged.assignee_id) == (ticket.team_id, ticket.assignee_id)
    api.force_authenticate(world.manager)
    moved = api.post(
        f"/api/v1/tickets/{ticket.pk}/assign/",
        {"assignee": world.agent_b.pk, "team": other.pk},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["team"]["slug"] == "team-b"
    assert moved.json()["assignee"]["id"] == world.agent_b.pk
    # agent_a no longer sees it
    api.force_authenticate(world.agent_a)
    assert api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404


def test_assignee_must_belong_to_the_team(world, api):
    ticket = open_ticket(world)
    api.force_authenticate(world.agent_a)
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": world.agent_b.pk}, format="json"
    )
    assert answer.status_code == 400
    assert "assignee" in answer.json()["errors"]


def test_roles_exist_with_model_permissions(db):
    from django.contrib.auth.models import Group

    agent = Group.objects.get(name="agent")
    manager = Group.objects.get(name="manager")
    admin = Group.objects.get(name="admin")
    names = lambda g: set(g.permissions.values_list("codename", flat=True))  # noqa: E731
    assert {"view_ticket", "change_ticket", "add_contactattempt", "add_resolution"} <= names(agent)
    assert "delete_ticket" not in names(agent)
    assert names(agent) < names(manager)
    assert {"add_routingrule", "delete_ticket", "change_resolutioncode"} <= names(admin)


def test_claim_service_refuses_an_agent_of_another_team(world):
    """The service checks the team itself: the API's scoping is not its only guard."""
    from tickets.exceptions import NotAllowed

    ticket = open_ticket(world, unassigned=True)
    with pytest.raises(NotAllowed):
        assignment.ticket_claim(ticket=ticket, by=world.agent_b)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert not ticket.events.filter(kind="assigned").exists()
    assignment.ticket_claim(ticket=ticket, by=world.agent_a)  # a member of the team may
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == world.agent_a.pk


def test_manager_cannot_move_a_ticket_to_a_team_they_do_not_manage(world, api):
    ticket = open_ticket(world)
    assert world.team_b.manager_id != world.manager.pk
    api.force_authenticate(world.manager)
    refused = api.post(
        f"/api/v1/tickets/{ticket.pk}/assign/",
        {"assignee": world.agent_b.pk, "team": world.team_b.pk},
        format="json",
    )
    assert refused.status_code == 403, refused.content
    assert "team" in refused.json()["errors"]
    unchanged = Ticket.objects.get(pk=ticket.pk)
    assert (unchanged.team_id, unchanged.assignee_id) == (ticket.team_id, ticket.assignee_id)
