"""Wrong JSON types and impossible requests on every action: 4xx naming the field,
the ticket unchanged, never a 5xx."""

from __future__ import annotations

import pytest

from tests.queue.conftest import open_ticket
from tickets import tasks
from tickets.models import Ticket
from tickets.services import lifecycle, resolving

CASES = [
    ("assign", {"assignee": "5"}, 400, "assignee"),
    ("assign", {"assignee": True}, 400, "assignee"),
    ("assign", {}, 400, "assignee"),
    ("assign", {"assignee": 999999}, 400, "assignee"),
    ("assign", {"assignee": None, "team": "team-b"}, 400, "team"),
    ("assign", {"assignee": None, "team": 999999}, 400, "team"),
    ("status", {"status": "sleeping"}, 400, "status"),
    ("status", {"status": 1}, 400, "status"),
    ("status", {"status": "new"}, 409, "status"),
    ("reopen", {"reason": "because"}, 409, "status"),  # not resolved yet
    ("reopen", {"reason": 42}, 400, "reason"),
    ("contacts", [], 400, "non_field_errors"),
    ("resolve", "resolved", 400, "non_field_errors"),
    (
        "resolve",
        {
            "resolution_code": "unreachable",
            "goodwill": {"kind": "gift", "amount": True, "currency": "EUR"},
        },
        400,
        "goodwill.amount",
    ),
]


@pytest.mark.parametrize("action,body,code,field", CASES)
def test_bad_action_input(world, api, action, body, code, field):
    ticket = open_ticket(world)
    Ticket.objects.filter(pk=ticket.pk).update(status="in_progress")
    before = Ticket.objects.get(pk=ticket.pk)
    events = ticket.events.count()
    api.force_authenticate(world.agent_a)
    answer = api.post(f"/api/v1/tickets/{ticket.pk}/{action}/", body, format="json")
    assert answer.status_code == code, answer.content
    assert field in answer.json()["errors"], answer.json()
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.status, after.assignee_id, after.team_id) == (
        before.status,
        before.assignee_id,
        before.team_id,
    )
    assert ticket.events.count() == events


def test_actions_on_a_closed_ticket_are_refused(world, api):
    ticket = open_ticket(world)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    lifecycle.ticket_close(ticket=ticket)
    api.force_authenticate(world.agent_a)
    for action, body in [
        ("assign", {"assignee": world.agent_a2.pk}),
        ("claim", {}),
        ("contacts", {"channel": "phone", "outcome": "reached"}),
        ("resolve", {"resolution_code": "unreachable"}),
        ("status", {"status": "in_progress"}),
    ]:
        answer = api.post(f"/api/v1/tickets/{ticket.pk}/{action}/", body, format="json")
        assert answer.status_code == 409, (action, answer.content)
        assert answer.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_unknown_ticket_is_404(world, api):
    api.force_authenticate(world.admin)
    assert api.get("/api/v1/tickets/999999/").status_code == 404
    answer = api.post("/api/v1/tickets/999999/claim/", {}, format="json")
    assert answer.status_code == 404


def test_periodic_tasks_call_the_services(world, settings):
    import datetime as dt

    from django.utils import timezone

    settings.TICKET_AUTOCLOSE_DAYS = 0
    ticket = open_ticket(world)
    resolving.ticket_resolve(
        ticket=ticket,
        by=world.agent_a,
        code="unreachable",
        now=timezone.now() - dt.timedelta(days=2),
    )
    world.survey.rerate_delay_hours = 0
    tasks.rerate_invitations_send()
    tasks.tickets_autoclose()
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.rerate_invitations.get().sent_at is not None


def test_ids_beyond_64_bits_are_404_or_400_not_5xx(world, api):
    huge = 2**70
    open_ticket(world, unassigned=True)  # "no such assignee" must not mean "unassigned"
    api.force_authenticate(world.admin)
    assert api.get(f"/api/v1/tickets/{huge}/").status_code == 404
    assert api.post(f"/api/v1/tickets/{huge}/claim/", {}, format="json").status_code == 404
    for params in ({"assignee": str(huge)}, {"team": str(huge)}, {"q": f"FD-{huge}"}):
        answer = api.get("/api/v1/tickets/", params)
        assert answer.status_code == 200 and answer.json()["results"] == []
    ticket = open_ticket(world)
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": huge, "team": huge}, format="json"
    )
    assert answer.status_code == 400
