"""What meets first contact is the policy's choice; an outcome is never assumed; each channel
offers its own outcomes, in its own words, in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from sla.models import SlaPolicy
from tests.queue.conftest import NOW, open_ticket
from tickets.exceptions import TicketActionError
from tickets.models import Ticket
from tickets.selectors import contact_outcome_choices, contact_outcomes_by_channel
from tickets.services import contacts
from web.forms import ContactAttemptForm

pytestmark = pytest.mark.django_db


def log(ticket, by, outcome, minutes, channel="phone"):
    return contacts.contact_attempt_log(
        ticket=ticket,
        by=by,
        channel=channel,
        outcome=outcome,
        now=NOW + dt.timedelta(minutes=minutes),
    )


def first_clock(ticket):
    return ticket.clocks.get(kind="first_contact")


def test_reached_policy_keeps_the_clock_running_through_failed_attempts(world, policy):
    policy.first_contact_meets = SlaPolicy.FirstContactMeets.REACHED
    policy.save()
    ticket = open_ticket(world, now=NOW)
    log(ticket, world.agent_a, "no_answer", 10)
    log(ticket, world.agent_a, "voicemail", 20)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == "in_progress"  # the work started
    assert first_clock(ticket).state == "running"
    assert fresh.first_contacted_at is None
    log(ticket, world.agent_a, "callback_requested", 30)
    assert first_clock(ticket).state == "met"
    assert first_clock(ticket).met_at == NOW + dt.timedelta(minutes=30)
    assert Ticket.objects.get(pk=ticket.pk).first_contacted_at == NOW + dt.timedelta(minutes=30)


def test_any_attempt_policy_is_the_default(world, policy):
    assert policy.first_contact_meets == SlaPolicy.FirstContactMeets.ANY_ATTEMPT
    ticket = open_ticket(world, now=NOW)
    log(ticket, world.agent_a, "no_answer", 10)
    assert first_clock(ticket).state == "met"


def test_missing_outcome_is_400_naming_it(world, api):
    ticket = open_ticket(world, now=NOW)
    api.force_authenticate(world.agent_a)
    for body in ({"channel": "phone"}, {"channel": "phone", "outcome": ""}):
        answer = api.post(f"/api/v1/tickets/{ticket.pk}/contacts/", body, format="json")
        assert answer.status_code == 400, answer.json()
        assert "outcome" in answer.json()["errors"]
    assert not ticket.contact_attempts.exists()
    with pytest.raises(TicketActionError) as error:
        log(ticket, world.agent_a, "", 5)
    assert error.value.field == "outcome"


def test_the_web_form_preselects_no_outcome(db):
    form = ContactAttemptForm()
    assert form.fields["outcome"].choices[0][0] == ""
    assert 'value="reached" selected' not in form.as_p()
    posted = ContactAttemptForm(data={"channel": "phone", "outcome": ""})
    assert not posted.is_valid()
    assert "outcome" in posted.errors


def test_an_outcome_foreign_to_the_channel_is_400_naming_outcome(world, api):
    ticket = open_ticket(world, now=NOW)
    api.force_authenticate(world.agent_a)
    body = {"channel": "email", "outcome": "voicemail"}
    answer = api.post(f"/api/v1/tickets/{ticket.pk}/contacts/", body, format="json")
    assert answer.status_code == 400
    assert "outcome" in answer.json()["errors"]


def test_channel_outcomes_use_the_channels_words_in_both_languages(db):
    codes = {code for code, _label in __import__("tickets").models.ContactAttempt.Outcome.choices}
    by_channel = contact_outcomes_by_channel()
    assert set(by_channel) == {"phone", "email", "sms", "messenger", "meeting", "other"}
    for options in by_channel.values():
        assert {o["code"] for o in options} <= codes
    with translation.override("en"):
        email = {o["code"]: o["label"] for o in contact_outcome_choices(channel="email")}
        phone = {o["code"]: o["label"] for o in contact_outcome_choices(channel="phone")}
    assert email["reached"] == "Replied"
    assert email["no_answer"] == "No reply"
    assert "voicemail" not in email
    assert phone["reached"] == "Reached"
    with translation.override("ru"):
        email_ru = {o["code"]: o["label"] for o in contact_outcome_choices(channel="email")}
        all_ru = [o["label"] for options in contact_outcomes_by_channel().values() for o in options]
    assert email_ru["reached"] == "Ответил"
    assert all(not any("a" <= ch.lower() <= "z" for ch in label) for label in all_ru), all_ru


def test_the_next_step_says_not_reached_yet_and_by_when(world, policy):
    from tickets.selectors import first_contact_pending

    policy.first_contact_meets = SlaPolicy.FirstContactMeets.REACHED
    policy.save()
    ticket = open_ticket(world, now=NOW)
    assert first_contact_pending(ticket=ticket) is None  # nothing tried yet
    log(ticket, world.agent_a, "no_answer", 10)
    pending = first_contact_pending(ticket=Ticket.objects.get(pk=ticket.pk))
    assert pending == {"attempts": 1, "try_by": first_clock(ticket).due_at}
    log(ticket, world.agent_a, "reached", 20)
    assert first_contact_pending(ticket=Ticket.objects.get(pk=ticket.pk)) is None


def test_the_ticket_page_hint_says_not_reached_yet(world, policy, client):
    policy.first_contact_meets = SlaPolicy.FirstContactMeets.REACHED
    policy.save()
    ticket = open_ticket(world, now=NOW)
    log(ticket, world.agent_a, "no_answer", 10)
    client.force_login(world.agent_a)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Not reached yet: try again by" in page
    assert "Contacted. When the issue is settled" not in page
