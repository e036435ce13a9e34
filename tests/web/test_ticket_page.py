"""The ticket page for a day of calls: one composer action open, the status follows a
reached call, goodwill to a customer who declined needs a confirmation, no inline scripts."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from tests.web.test_actions import act
from tickets.models import Resolution, ResolutionCode, RootCause, Status
from tickets.services import contacts, lifecycle

pytestmark = pytest.mark.django_db


def composer_open(html: str) -> list[str]:
    return re.findall(
        r'<details class="action" id="act-(\w+)" data-group="composer"[^>]*\bopen\b', html
    )


def test_one_composer_action_is_open_at_a_time(agent_client, desk):
    ticket = desk.tickets[0]
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert composer_open(html) == ["contact"]
    assert len(re.findall(r'data-group="composer"', html)) == 3  # contact, status, resolve
    act(agent_client, ticket, "contact", {"channel": "phone", "outcome": "reached"})
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert composer_open(html) == ["resolve"]
    # a form with errors is the one left open
    response = act(agent_client, ticket, "status", {"status": "nonsense"})
    assert composer_open(response.content.decode()) == ["status"]


def test_pages_have_no_inline_scripts_and_the_keys_script_is_served(agent_client, desk):
    for url in (f"/tickets/{desk.tickets[0].pk}/", "/queue/mine/"):
        html = agent_client.get(url).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>", html)
        assert scripts and all("src=" in attrs for attrs in scripts), scripts
        assert not re.search(r"\son[a-z]+=", html)  # no onclick= and friends
        assert "web/keys.js" in html
    source = open(finders.find("web/keys.js"), encoding="utf-8").read()
    for key in ('"c"', '"r"', '"j"', '"k"'):
        assert f"event.key === {key}" in source


def test_a_reached_call_moves_waiting_on_customer_to_in_progress(agent_client, desk):
    ticket = desk.tickets[0]
    contacts.contact_attempt_log(ticket=ticket, by=desk.agent, channel="phone", outcome="no_answer")
    lifecycle.ticket_status_set(ticket=ticket, by=desk.agent, status=Status.WAITING_ON_CUSTOMER)
    act(agent_client, ticket, "contact", {"channel": "phone", "outcome": "voicemail"})
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER  # not reached: still waiting
    act(agent_client, ticket, "contact", {"channel": "phone", "outcome": "reached"})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert '<span class="status st-in_progress">In progress</span>' in html


RESOLVE = {
    "note": "",
    "goodwill_kind": "refund",
    "goodwill_amount": "10",
    "goodwill_currency": "EUR",
}


def test_goodwill_for_a_customer_who_declined_asks_for_confirmation(agent_client, desk):
    ticket = desk.tickets[0]
    contacts.contact_attempt_log(ticket=ticket, by=desk.agent, channel="phone", outcome="declined")
    code = ResolutionCode.objects.first().pk
    response = act(agent_client, ticket, "resolve", {**RESOLVE, "code": code})
    assert response.status_code == 422
    assert "The customer declined to talk: confirm" in response.content.decode()
    assert not Resolution.objects.filter(ticket=ticket).exists()
    response = act(
        agent_client, ticket, "resolve", {**RESOLVE, "code": code, "confirm_goodwill": "on"}
    )
    assert response.status_code == 302
    assert Resolution.objects.get(ticket=ticket).goodwill_kind == "refund"


def test_no_confirmation_without_a_decline(agent_client, desk):
    ticket = desk.tickets[0]
    contacts.contact_attempt_log(ticket=ticket, by=desk.agent, channel="phone", outcome="reached")
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "confirm_goodwill" not in html
    response = act(
        agent_client, ticket, "resolve", {**RESOLVE, "code": ResolutionCode.objects.first().pk}
    )
    assert response.status_code == 302


def test_parent_root_causes_are_not_offered(agent_client, desk):
    html = agent_client.get(f"/tickets/{desk.tickets[0].pk}/").content.decode()
    select = re.search(r'<select name="resolve-root_cause".*?</select>', html, re.S).group(0)
    offered = {int(v) for v in re.findall(r'value="(\d+)"', select)}
    parents = set(RootCause.objects.filter(children__isnull=False).values_list("pk", flat=True))
    assert parents and offered and not offered & parents


def test_timeline_details_are_sentences_not_json(agent_client, desk):
    ticket = desk.tickets[0]
    act(agent_client, ticket, "contact", {"channel": "phone", "outcome": "no_answer"})
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Phone: no answer, at " in html
    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    assert "{" not in timeline and "occurred_at" not in timeline


def test_phone_first_order_and_tap_to_call(agent_client, desk):
    html = agent_client.get(f"/tickets/{desk.tickets[0].pk}/").content.decode()
    assert 'href="tel:+79120000000"' in html
    order = ['href="tel:', 'id="h-sla"', 'id="h-actions"', 'id="h-timeline"']
    assert [html.index(m) for m in order] == sorted(html.index(m) for m in order)
