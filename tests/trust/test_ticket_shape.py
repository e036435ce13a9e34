"""A ticket has one shape: `team` and `assignee` are the same objects in the ingestion answer,
the responses list, the queue and the ticket page."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ANSWER = {
    "survey": "nps-2026",
    "external_id": "shape-1",
    "score": 2,
    "comment": "Late again.",
    "responded_at": "2026-11-20T09:15:00+03:00",
    "customer": {"external_id": "cust-shape", "email": "shape@example.com"},
}


@pytest.fixture
def agent(db):
    user = UserFactory(username="shape-agent", first_name="Olga", last_name="Orlova")
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    team = TeamFactory(slug="care", name="Customer care", is_fallback=True)
    team.members.add(user)
    return user


def test_team_and_assignee_are_the_same_objects_everywhere(survey, source_key, admin_user, agent):
    ingest, staff = APIClient(), APIClient()
    ingest.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    staff.force_authenticate(admin_user)

    created = ingest.post("/api/v1/responses/", ANSWER, format="json")
    assert created.status_code == 201, created.content
    brief = created.json()["ticket"]
    team = {"id": agent.teams.get().pk, "slug": "care", "name": "Customer care"}
    assignee = {"id": agent.pk, "username": "shape-agent", "name": str(agent)}
    assert (brief["team"], brief["assignee"]) == (team, assignee)

    replay = ingest.post("/api/v1/responses/", ANSWER, format="json").json()["ticket"]
    listed = staff.get("/api/v1/responses/").json()["results"][0]["ticket"]
    queue = staff.get("/api/v1/tickets/").json()["results"][0]
    detail = staff.get(f"/api/v1/tickets/{brief['id']}/").json()
    for shape in (replay, listed, queue, detail):
        assert (shape["team"], shape["assignee"]) == (team, assignee)


def test_an_unassigned_ticket_has_a_null_assignee_in_the_ingestion_answer(survey, source_key):
    TeamFactory(slug="care", name="Customer care", is_fallback=True)  # nobody to assign
    ingest = APIClient()
    ingest.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    ticket = ingest.post("/api/v1/responses/", ANSWER, format="json").json()["ticket"]
    assert ticket["assignee"] is None
    assert ticket["team"]["slug"] == "care"
