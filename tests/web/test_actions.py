"""The ticket forms call the queue services; errors come back on the right field."""

import pytest
from django.urls import reverse

from tickets.models import ContactAttempt, Resolution, Status

pytestmark = pytest.mark.django_db


def act(client, ticket, action, data, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    body = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(reverse("ticket-action", args=[ticket.pk, action]), body, headers=headers)


def test_log_contact_then_resolve(agent_client, desk):
    ticket = desk.tickets[0]
    response = act(
        agent_client, ticket, "contact", {"channel": "phone", "outcome": "reached", "note": "Sorry"}
    )
    assert response.status_code == 302
    attempt = ContactAttempt.objects.get(ticket=ticket)
    assert attempt.by == desk.agent and attempt.note == "Sorry"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.first_contacted_at
    response = act(
        agent_client,
        ticket,
        "resolve",
        {
            "code": "1",
            "root_cause": "",
            "note": "fixed",
            "goodwill_kind": "discount",
            "goodwill_amount": "10",
            "goodwill_currency": "eur",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    resolution = Resolution.objects.get(ticket=ticket)
    assert resolution.goodwill_currency == "EUR"
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_htmx_post_returns_the_page_without_redirect(agent_client, desk):
    ticket = desk.tickets[0]
    response = act(
        agent_client, ticket, "contact", {"channel": "email", "outcome": "no_answer"}, htmx=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ticket-body"' in html
    assert "Contact attempt logged." in html


def test_resolve_without_contact_is_refused_on_the_code_field(agent_client, desk):
    from tickets.models import ResolutionCode

    code = ResolutionCode.objects.get(code="resolved_fixed")
    response = act(agent_client, desk.tickets[0], "resolve", {"code": code.pk}, htmx=True)
    assert response.status_code == 422
    form = response.context["forms"]["resolve"]
    assert "code" in form.errors
    assert "contact attempt" in form.errors["code"][0]


def test_missing_fields_get_clear_messages(agent_client, desk):
    response = act(agent_client, desk.tickets[0], "contact", {"channel": "", "outcome": "teleport"})
    assert response.status_code == 422
    errors = response.context["forms"]["contact"].errors
    assert set(errors) == {"channel", "outcome"}
    assert b'role="alert"' in response.content


def test_unknown_currency_is_reported_on_its_field(agent_client, desk):
    ticket = desk.tickets[0]
    act(agent_client, ticket, "contact", {"channel": "phone", "outcome": "reached"})
    from tickets.models import ResolutionCode

    code = ResolutionCode.objects.get(code="goodwill_offered")
    response = act(
        agent_client,
        ticket,
        "resolve",
        {
            "code": code.pk,
            "goodwill_kind": "refund",
            "goodwill_amount": "5",
            "goodwill_currency": "ZZZ",
        },
    )
    assert response.status_code == 422
    assert "goodwill_currency" in response.context["forms"]["resolve"].errors


def test_status_change_and_invalid_transition(agent_client, desk):
    ticket = desk.tickets[0]
    assert act(agent_client, ticket, "status", {"status": "waiting_on_customer"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER
    # An invalid transition: a resolved ticket cannot be put to waiting (reopen it first).
    from tickets.models import ResolutionCode

    code = ResolutionCode.objects.get(code="unreachable")
    assert act(agent_client, ticket, "resolve", {"code": code.pk}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    events = ticket.events.count()
    refused = act(agent_client, ticket, "status", {"status": "waiting_on_customer"})
    assert 400 <= refused.status_code < 500
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.events.count() == events


def test_reopen_after_resolution(agent_client, desk):
    from tickets.models import ResolutionCode

    ticket = desk.tickets[0]
    code = ResolutionCode.objects.get(code="unreachable")
    assert act(agent_client, ticket, "resolve", {"code": code.pk}).status_code == 302
    page = agent_client.get(reverse("ticket", args=[ticket.pk])).content.decode()
    assert "Reopen" in page
    assert act(agent_client, ticket, "reopen", {"reason": ""}).status_code == 422
    assert act(agent_client, ticket, "reopen", {"reason": "Still broken"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.is_open


def test_claim_and_reassign(agent_client, desk):
    ticket = desk.tickets[0]
    ticket.assignee = None
    ticket.save()
    assert act(agent_client, ticket, "claim", {}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == desk.agent
    response = act(agent_client, ticket, "assign", {"team": desk.team_a.pk, "assignee": ""})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_agent_cannot_move_ticket_to_another_team(agent_client, desk):
    desk.team_b.members.add(desk.agent)
    response = act(
        agent_client, desk.tickets[0], "assign", {"team": desk.team_b.pk, "assignee": ""}
    )
    assert response.status_code == 422
    assert "team" in response.context["forms"]["assign"].errors


def test_actions_on_another_teams_ticket_are_404(agent_client, desk):
    response = act(
        agent_client, desk.other_ticket, "contact", {"channel": "phone", "outcome": "reached"}
    )
    assert response.status_code == 404
    assert not ContactAttempt.objects.exists()


def test_manager_bulk_reassigns(manager_client, desk):
    pks = [t.pk for t in desk.tickets[:2]]
    response = manager_client.post(
        reverse("bulk-assign"), {"tickets": pks, "assignee": desk.manager.pk, "next": "/queue/all/"}
    )
    assert response.status_code == 302 and response.url == "/queue/all/"
    from tickets.models import Ticket

    assert set(Ticket.objects.filter(pk__in=pks).values_list("assignee", flat=True)) == {
        desk.manager.pk
    }


def test_bulk_reassign_is_for_managers(agent_client, desk):
    from tickets.models import Ticket

    ticket = desk.tickets[0]
    before = Ticket.objects.get(pk=ticket.pk)
    response = agent_client.post(
        reverse("bulk-assign"), {"tickets": [ticket.pk], "assignee": desk.manager.pk}
    )
    assert response.status_code == 403
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.assignee_id, after.team_id, after.updated_at) == (
        before.assignee_id,
        before.team_id,
        before.updated_at,
    )
    assert after.events.count() == before.events.count()
