"""The queue and ticket API: filters, ordering, search, payload shape, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sla.clocks import ticket_sla_summary_refresh
from sla.models import SlaClock
from tests.queue.conftest import open_ticket
from tickets.models import Ticket
from tickets.services import contacts


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.content
    return [row["id"] for row in answer.json()["results"]]


@pytest.fixture
def queue(world):
    now = timezone.now()
    t1 = open_ticket(world, now=now - dt.timedelta(hours=3), name="Anna Petrova")
    t2 = open_ticket(world, now=now - dt.timedelta(hours=2), unassigned=True)
    t3 = open_ticket(world, now=now - dt.timedelta(hours=1))
    Ticket.objects.filter(pk=t3.pk).update(priority="urgent", priority_rank=40)
    Ticket.objects.filter(pk=t1.pk).update(assignee=world.agent_a2)
    Ticket.objects.filter(pk=t3.pk).update(assignee=world.agent_a)
    contacts.contact_attempt_log(ticket=t3, by=world.agent_a, channel="email", outcome="reached")
    SlaClock.objects.filter(ticket=t1, kind="first_contact").update(state="breached")
    SlaClock.objects.filter(ticket=t2, kind="first_contact").update(state="at_risk")
    ticket_sla_summary_refresh([t1.pk, t2.pk])  # as the SLA code does after writing clocks
    other = open_ticket(world, world.team_b)
    return {"t1": t1, "t2": t2, "t3": t3, "other": other}


def test_filters(world, api, queue):
    t1, t2, t3 = queue["t1"], queue["t2"], queue["t3"]
    Ticket.objects.filter(pk=t2.pk).update(assignee=None)
    api.force_authenticate(world.agent_a)
    get = lambda **params: set(ids(api.get("/api/v1/tickets/", params)))  # noqa: E731
    assert get() == {t1.pk, t2.pk, t3.pk}
    assert get(status="in_progress") == {t3.pk}
    assert get(status=["new", "in_progress"]) == {t1.pk, t2.pk, t3.pk}
    assert get(assignee="none") == {t2.pk}
    assert get(assignee=str(world.agent_a2.pk)) == {t1.pk}
    assert get(assignee="me") == {t3.pk}
    assert get(team=str(world.team_a.pk)) == {t1.pk, t2.pk, t3.pk}
    assert get(team="team-b") == set()  # not visible to agent_a
    assert get(sla="breached") == {t1.pk}
    assert get(sla="at_risk") == {t2.pk}
    assert get(sla="running") == {t3.pk}
    assert get(priority="urgent") == {t3.pk}
    assert get(q="petrova") == {t1.pk}
    assert get(q=f"FD-{t2.pk}") == {t2.pk}
    assert get(q=t3.origin_response.comment) == {t3.pk}


@pytest.mark.parametrize(
    "params,field",
    [({"status": "lost"}, "status"), ({"assignee": "bob"}, "assignee"), ({"sla": "x"}, "sla")],
)
def test_bad_filter_is_400_naming_it(world, api, queue, params, field):
    api.force_authenticate(world.agent_a)
    answer = api.get("/api/v1/tickets/", params)
    assert answer.status_code == 400
    assert field in answer.json()["errors"]


def test_ordering(world, api, queue):
    t1, t2, t3 = queue["t1"], queue["t2"], queue["t3"]
    api.force_authenticate(world.manager)
    assert ids(api.get("/api/v1/tickets/", {"ordering": "created"})) == [t1.pk, t2.pk, t3.pk]
    assert ids(api.get("/api/v1/tickets/", {"ordering": "-created"})) == [t3.pk, t2.pk, t1.pk]
    assert ids(api.get("/api/v1/tickets/", {"ordering": "-priority"}))[0] == t3.pk
    due = ids(api.get("/api/v1/tickets/", {"ordering": "due"}))
    assert due == [t1.pk, t2.pk, t3.pk]  # t3's first contact is met: its next due is later


def test_ticket_queue_selector_for_the_ui(world, queue):
    from tickets.selectors import ticket_queue

    rows = ticket_queue(user=world.agent_a, filters={"assignee": "none", "status": "new"})
    assert [t.pk for t in rows] == [queue["t2"].pk]


def test_list_and_detail_use_a_constant_number_of_queries(world, api):
    api.force_authenticate(world.manager)

    def count(url):
        world.manager.__dict__.pop("_fd_is_admin", None)  # as on a fresh request
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    ticket = open_ticket(world)
    small_list = count("/api/v1/tickets/")
    small_detail = count(f"/api/v1/tickets/{ticket.pk}/")
    for _ in range(6):
        open_ticket(world)
    for _ in range(5):
        contacts.contact_attempt_log(
            ticket=ticket, by=world.agent_a, channel="phone", outcome="no_answer"
        )
    assert count("/api/v1/tickets/") == small_list
    assert count(f"/api/v1/tickets/{ticket.pk}/") == small_detail


def test_detail_payload(world, api):
    ticket = open_ticket(world)
    contacts.contact_attempt_log(
        ticket=ticket, by=world.agent_a, channel="phone", outcome="reached"
    )
    api.force_authenticate(world.agent_a)
    body = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert body["reference"] == f"FD-{ticket.pk}"
    assert body["origin_response"]["score"] == 3
    assert [r["id"] for r in body["responses"]] == [ticket.origin_response_id]
    assert set(body["sla"]) == {"first_contact", "resolution"}
    assert set(body["sla"]["first_contact"]) >= {"due_at", "state", "met_at", "breached_at"}
    assert body["sla"]["first_contact"]["state"] == "met"
    assert body["contact_attempts"][0]["channel"] == "phone"
    assert [e["kind"] for e in body["timeline"]][:1] == ["created"]
    assert body["resolution"] is None
    assert body["allowed_statuses"] == ["waiting_on_customer"]


def test_schema_describes_ticket_bodies(admin_api):
    answer = admin_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    schema = answer.json()
    paths = schema["paths"]
    resolve = paths["/api/v1/tickets/{id}/resolve/"]["post"]
    ref = resolve["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    props = schema["components"]["schemas"][ref.split("/")[-1]]["properties"]
    assert {"resolution_code", "root_cause", "note", "goodwill"} <= set(props)
    contact = paths["/api/v1/tickets/{id}/contacts/"]["post"]
    assert "201" in contact["responses"] and "409" in contact["responses"]
    listing = paths["/api/v1/tickets/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"status", "assignee", "team", "sla", "priority", "q", "ordering", "page"} <= names
