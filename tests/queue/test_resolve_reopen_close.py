"""Resolution rules, goodwill, reopening by hand and automatically, auto-close."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from intake.services import CustomerData
from sla.models import SlaClock
from tests.queue.conftest import open_ticket
from tickets.exceptions import ContactRequired, InvalidTransition, TicketActionError
from tickets.models import OPEN_STATUSES, RerateInvitation, Resolution, Ticket
from tickets.services import contacts, lifecycle, resolving


def contact(world, ticket, **kw):
    return contacts.contact_attempt_log(
        ticket=ticket, by=world.agent_a, channel="phone", outcome="reached", **kw
    )


def test_resolving_needs_a_contact_unless_the_code_says_unreachable(world):
    ticket = open_ticket(world)
    with pytest.raises(ContactRequired):
        resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="resolved_fixed")
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    resolution = resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    assert resolution.code.code == "unreachable"
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


def test_resolve_records_code_cause_goodwill_and_meets_the_clock(world, api):
    ticket = open_ticket(world)
    contact(world, ticket)
    api.force_authenticate(world.agent_a)
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/resolve/",
        {
            "resolution_code": "goodwill_offered",
            "root_cause": "delivery_late",
            "note": "Apologised, refunded shipping.",
            "goodwill": {"kind": "refund", "amount": "12.50", "currency": "eur"},
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "resolved"
    assert body["resolution"]["resolution_code"] == "goodwill_offered"
    assert body["resolution"]["root_cause"]["parent"] == "delivery"
    assert body["resolution"]["goodwill"] == {
        "kind": "refund",
        "amount": "12.50",
        "currency": "EUR",
    }
    assert body["sla"]["resolution"]["state"] == "met"
    resolution = Resolution.objects.get(ticket=ticket)
    assert resolution.goodwill_amount == Decimal("12.50")
    assert ticket.events.filter(kind="resolved").count() == 1


@pytest.mark.parametrize(
    "body,field,code",
    [
        ({"resolution_code": "made_up"}, "resolution_code", 400),
        ({"resolution_code": "resolved_fixed", "root_cause": "aliens"}, "root_cause", 400),
        ({"resolution_code": 5}, "resolution_code", 400),
        ({}, "resolution_code", 400),
        (
            {
                "resolution_code": "unreachable",
                "goodwill": {"kind": "gift", "amount": "-1", "currency": "EUR"},
            },
            "goodwill.amount",
            400,
        ),
        (
            {
                "resolution_code": "unreachable",
                "goodwill": {"kind": "gift", "amount": "5", "currency": "XYZ"},
            },
            "goodwill.currency",
            400,
        ),
        (
            {"resolution_code": "unreachable", "goodwill": {"kind": "cash", "amount": "5"}},
            "goodwill.kind",
            400,
        ),
        ({"resolution_code": "unreachable", "goodwill": "lots"}, "goodwill", 400),
    ],
)
def test_bad_resolve_input_is_4xx_naming_the_field(world, api, body, field, code):
    ticket = open_ticket(world)
    api.force_authenticate(world.agent_a)
    answer = api.post(f"/api/v1/tickets/{ticket.pk}/resolve/", body, format="json")
    assert answer.status_code == code, answer.content
    assert field in answer.json()["errors"], answer.json()
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    assert not Resolution.objects.filter(ticket=ticket).exists()


def test_resolve_without_contact_via_api_names_the_code(world, api):
    ticket = open_ticket(world)
    api.force_authenticate(world.agent_a)
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/resolve/",
        {"resolution_code": "resolved_fixed"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "contact_required"
    assert "resolution_code" in answer.json()["errors"]


def test_goodwill_service_validation_is_independent_of_the_api(world):
    ticket = open_ticket(world)
    with pytest.raises(TicketActionError) as refused:
        resolving.ticket_resolve(
            ticket=ticket,
            by=world.agent_a,
            code="unreachable",
            goodwill={"kind": "discount", "amount": "10", "currency": "ZZZ"},
        )
    assert refused.value.field == "goodwill.currency"


def test_resolving_twice_is_refused(world):
    ticket = open_ticket(world)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    with pytest.raises(TicketActionError):
        resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    assert Resolution.objects.filter(ticket=ticket).count() == 1


def test_reopen_by_hand_needs_a_reason_and_restarts_the_resolution_clock(world, api):
    start = timezone.now() - dt.timedelta(days=2)
    ticket = open_ticket(world, now=start)
    resolving.ticket_resolve(
        ticket=ticket, by=world.agent_a, code="unreachable", now=start + dt.timedelta(hours=1)
    )
    api.force_authenticate(world.agent_a)
    blank = api.post(f"/api/v1/tickets/{ticket.pk}/reopen/", {"reason": "  "}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["errors"]
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/reopen/", {"reason": "Customer wrote back"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "in_progress" and body["reopened_count"] == 1
    clock = SlaClock.objects.get(ticket=ticket, kind="resolution")
    assert clock.state == "running" and clock.met_at is None
    assert clock.started_at > start + dt.timedelta(days=1)
    event = ticket.events.get(kind="reopened")
    assert event.data["reason"] == "Customer wrote back" and event.actor == world.agent_a
    # Reopening an open ticket: 409 naming what is allowed.
    again = api.post(f"/api/v1/tickets/{ticket.pk}/reopen/", {"reason": "x"}, format="json")
    assert again.status_code == 409
    assert "allowed" in again.json()


def test_reopen_cancels_an_unsent_rerate_invitation(world):
    ticket = open_ticket(world)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    invitation = RerateInvitation.objects.get(ticket=ticket)
    lifecycle.ticket_reopen(ticket=ticket, by=world.agent_a, reason="not done")
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None


def customer_data(ticket):
    c = ticket.customer
    return CustomerData(external_id=c.external_id, email=c.email)


def test_new_detractor_answer_within_window_reopens_the_resolved_ticket(world):
    start = timezone.now() - dt.timedelta(days=5)
    ticket = open_ticket(world, now=start)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable", now=start)
    again = open_ticket(world, customer=customer_data(ticket), score=2)
    assert again.pk == ticket.pk
    assert again.status == "in_progress" and again.reopened_count == 1
    event = ticket.events.get(kind="reopened")
    assert event.data["automatic"] is True and event.actor is None
    assert ticket.events.filter(kind="response_attached").count() == 1
    assert Ticket.objects.filter(customer=ticket.customer).count() == 1


def test_new_detractor_answer_after_the_window_opens_a_new_ticket(world):
    world.survey.reopen_within_days = 3
    world.survey.save()
    start = timezone.now() - dt.timedelta(days=5)
    ticket = open_ticket(world, now=start)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable", now=start)
    lifecycle.ticket_close(ticket=ticket, now=start + dt.timedelta(days=1))
    fresh = open_ticket(world, customer=customer_data(ticket), score=2)
    assert fresh.pk != ticket.pk
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_autoclose_closes_tickets_resolved_long_enough_ago(world, settings):
    settings.TICKET_AUTOCLOSE_DAYS = 7
    now = timezone.now()
    old = open_ticket(world, now=now - dt.timedelta(days=10))
    resolving.ticket_resolve(
        ticket=old, by=world.agent_a, code="unreachable", now=now - dt.timedelta(days=8)
    )
    recent = open_ticket(world, now=now - dt.timedelta(days=10))
    resolving.ticket_resolve(
        ticket=recent, by=world.agent_a, code="unreachable", now=now - dt.timedelta(days=6)
    )
    still_open = open_ticket(world, now=now - dt.timedelta(days=10))
    assert lifecycle.tickets_autoclose(now=now) == 1
    assert Ticket.objects.get(pk=old.pk).status == "closed"
    assert Ticket.objects.get(pk=recent.pk).status == "resolved"
    assert Ticket.objects.get(pk=still_open.pk).status == "new"
    closed_event = old.events.get(kind="closed")
    assert closed_event.data["automatic"] is True
    assert lifecycle.tickets_autoclose(now=now) == 0  # idempotent


def test_close_only_from_resolved(world):
    ticket = open_ticket(world)
    with pytest.raises(InvalidTransition):
        lifecycle.ticket_close(ticket=ticket)


def test_reopen_by_hand_is_refused_while_the_customer_has_another_open_ticket(world, api):
    """One open ticket per customer: reopening the old one would make two."""
    world.survey.reopen_within_days = 3
    world.survey.save()
    start = timezone.now() - dt.timedelta(days=5)
    old = open_ticket(world, now=start)
    resolving.ticket_resolve(ticket=old, by=world.agent_a, code="unreachable", now=start)
    fresh = open_ticket(world, customer=customer_data(old), score=2)
    assert fresh.pk != old.pk and fresh.status in ("new", "in_progress")

    api.force_authenticate(world.agent_a)
    refused = api.post(f"/api/v1/tickets/{old.pk}/reopen/", {"reason": "again"}, format="json")
    assert refused.status_code == 409, refused.content
    assert fresh.reference in str(refused.json())
    old.refresh_from_db()
    assert old.status == "resolved" and old.reopened_count == 0
    assert not old.events.filter(kind="reopened").exists()
    with pytest.raises(TicketActionError):
        lifecycle.ticket_reopen(ticket=old, by=world.agent_a, reason="again")
    assert Ticket.objects.filter(customer=old.customer, status__in=OPEN_STATUSES).count() == 1

    # Once the other ticket is resolved, the same reopen goes through.
    resolving.ticket_resolve(ticket=fresh, by=world.agent_a, code="unreachable")
    lifecycle.ticket_reopen(ticket=old, by=world.agent_a, reason="again")
    assert Ticket.objects.get(pk=old.pk).status == "in_progress"
