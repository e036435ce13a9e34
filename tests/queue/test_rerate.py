"""Closing the loop end to end: resolve → invitation email → one-click link → answer
stored through ingestion → recovery recorded; expired and reused links are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from intake import rerate as rerate_intake
from intake.services import CustomerData
from notifications.services import deliveries_flush
from surveys.models import Response
from tests.queue.conftest import _seq, open_ticket
from tickets import rerate
from tickets.models import RerateInvitation, Ticket
from tickets.services import contacts, resolving


def resolved_ticket(world, now, **customer):
    ticket = open_ticket(world, now=now - dt.timedelta(hours=2), **customer)
    contacts.contact_attempt_log(
        ticket=ticket, by=world.agent_a, channel="phone", outcome="reached", now=now
    )
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="resolved_fixed", now=now)
    return ticket


def send_invitations(now) -> str:
    """Runs the periodic job and the outbox; returns the link path from the email."""
    assert rerate.rerate_invitations_send(now=now) == 1
    deliveries_flush()
    invitations = [m for m in mail.outbox if "/r/" in m.body]
    assert len(invitations) == 1
    match = re.search(r"https?://[^/\s]+(/r/[^\s]+/)", invitations[0].body)
    assert match, invitations[0].body
    return match.group(1)


def invitation_email():
    (email,) = [m for m in mail.outbox if "/r/" in m.body]
    return email


@pytest.mark.parametrize(
    "locale,words",
    [
        ("en", ("Would you rate us again?", "Send")),
        ("ru-RU", ("Оцените нас ещё раз?", "Отправить")),
    ],
)
def test_rerate_end_to_end(world, locale, words):
    now = timezone.now()
    ticket = resolved_ticket(world, now, locale=locale)
    invitation = RerateInvitation.objects.get(ticket=ticket)
    assert invitation.send_at == now + dt.timedelta(hours=world.survey.rerate_delay_hours)
    assert rerate.rerate_invitations_send(now=now + dt.timedelta(hours=1)) == 0  # not yet
    path = send_invitations(now + dt.timedelta(hours=25))
    assert invitation_email().to == [ticket.customer.email]
    if locale.startswith("ru"):
        assert "Удалось ли нам" in invitation_email().subject
    assert ticket.events.filter(kind="rerate_invited").count() == 1

    browser = Client()  # no login
    page = browser.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    for word in words:
        assert word in html
    assert html.count('type="radio" name="score"') == 11  # the 0–10 scale
    assert 'name="comment"' in html

    bad = browser.post(path, {"score": "11"})
    assert bad.status_code == 400
    assert not Response.objects.filter(source__slug="rerate").exists()

    done = browser.post(path, {"score": "9", "comment": "Much better, thanks"})
    assert done.status_code == 200
    answer = Response.objects.get(source__slug="rerate")
    assert answer.external_id == f"rerate-{invitation.pk}"
    assert (answer.score, answer.comment, answer.ticket_id) == (9, "Much better, thanks", ticket.pk)
    assert answer.category == "promoter"
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.recovered is True
    assert ticket.status == "resolved"
    assert ticket.events.get(kind="rerated").data["recovered"] is True

    # Works once.
    assert browser.get(path).status_code == 410
    assert browser.post(path, {"score": "2"}).status_code == 410
    assert Response.objects.filter(source__slug="rerate").count() == 1
    with pytest.raises(rerate.LinkUsed):
        rerate_intake.rerate_submit(token=path.split("/")[2], score=3)


def test_still_unhappy_rerate_records_not_recovered_and_reopens(world):
    now = timezone.now()
    ticket = resolved_ticket(world, now)
    path = send_invitations(now + dt.timedelta(hours=25))
    assert Client().post(path, {"score": "4"}).status_code == 200
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.recovered is False
    assert ticket.status == "in_progress"  # within reopen_within_days: back to work
    assert ticket.reopened_count == 1


def test_expired_link_is_refused(world, settings):
    settings.RERATE_LINK_MAX_AGE_DAYS = 14
    now = timezone.now()
    resolved_ticket(world, now)
    path = send_invitations(now + dt.timedelta(hours=25))
    with time_machine.travel(timezone.now() + dt.timedelta(days=15), tick=False):
        expired = Client().get(path)
        assert expired.status_code == 410
        assert Client().post(path, {"score": "9"}).status_code == 410
    assert not Response.objects.filter(source__slug="rerate").exists()


def test_tampered_link_is_404(world):
    now = timezone.now()
    resolved_ticket(world, now)
    path = send_invitations(now + dt.timedelta(hours=25))
    token = path.split("/")[2]
    forged = token.replace(token.split(":")[0], str(int(token.split(":")[0]) + 1), 1)
    assert Client().get(f"/r/{forged}/").status_code == 404


def _two_sent_invitations(world):
    now = timezone.now()
    first = resolved_ticket(world, now)
    second = resolved_ticket(world, now)
    assert rerate.rerate_invitations_send(now=now + dt.timedelta(hours=25)) == 2
    return (
        RerateInvitation.objects.get(ticket=first),
        RerateInvitation.objects.get(ticket=second),
    )


def test_real_invitation_with_a_wrong_signature_is_refused(world):
    """The row exists and was sent: only the signature can refuse this link."""
    invitation, _other = _two_sent_invitations(world)
    good = rerate.token_make(invitation)
    pk, stamp, signature = good.split(":")
    wrong = "A" * len(signature) if signature != "A" * len(signature) else "B" * len(signature)
    browser = Client()
    for token in (f"{pk}:{stamp}:{wrong}", f"{pk}:{stamp}:", f"{pk}:x"):
        assert browser.get(f"/r/{token}/").status_code == 404, token
        assert browser.post(f"/r/{token}/", {"score": "9"}).status_code == 404, token
    assert browser.get(f"/r/{good}/").status_code == 200  # the genuine link still works
    assert not Response.objects.filter(source__slug="rerate").exists()
    assert RerateInvitation.objects.get(pk=invitation.pk).used_at is None


def test_right_signature_on_another_invitations_id_is_refused(world):
    """Swapping the id under a valid signature must not open someone else's invitation."""
    first, second = _two_sent_invitations(world)
    _pk, stamp, signature = rerate.token_make(first).split(":")
    swapped = f"{second.pk}:{stamp}:{signature}"
    browser = Client()
    assert browser.get(f"/r/{swapped}/").status_code == 404
    assert browser.post(f"/r/{swapped}/", {"score": "10"}).status_code == 404
    assert not Response.objects.filter(source__slug="rerate").exists()
    assert RerateInvitation.objects.get(pk=second.pk).used_at is None
    with pytest.raises(rerate.LinkInvalid):
        rerate_intake.rerate_submit(token=swapped, score=10)


def test_no_invitation_when_rerate_disabled(world):
    world.survey.rerate_enabled = False
    world.survey.save()
    ticket = resolved_ticket(world, timezone.now())
    assert not RerateInvitation.objects.filter(ticket=ticket).exists()


def test_no_invitation_when_the_customer_has_no_email(world):
    assert world.survey.rerate_enabled  # only the missing address can stop it
    now = timezone.now()
    n = next(_seq)
    customer = CustomerData(external_id=f"no-mail-{n}", email="", attributes={"name": "Anon"})
    ticket = open_ticket(world, customer=customer, now=now - dt.timedelta(hours=2))
    assert ticket.customer.email in ("", None)
    contacts.contact_attempt_log(
        ticket=ticket, by=world.agent_a, channel="phone", outcome="reached", now=now
    )
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="resolved_fixed", now=now)
    assert not RerateInvitation.objects.filter(ticket=ticket).exists()
    # The same resolution for a customer with an address does invite.
    with_mail = resolved_ticket(world, now)
    assert RerateInvitation.objects.filter(ticket=with_mail).count() == 1


def test_a_rerate_answer_stored_before_with_another_score_is_refused_and_changes_nothing(world):
    """The link's answer id (rerate-<invitation>) already holds another score: as with any
    replay with a different score, nothing is stored, and the link stays unused."""
    from intake.services import DuplicateConflict
    from tickets.models import TicketEvent

    now = timezone.now()
    ticket = resolved_ticket(world, now)
    path = send_invitations(now + dt.timedelta(hours=25))
    invitation = RerateInvitation.objects.get(ticket=ticket)
    Response.objects.create(
        survey=ticket.origin_response.survey,
        customer=ticket.customer,
        source=rerate_intake.rerate_source(),
        external_id=f"rerate-{invitation.pk}",
        score=9,
        category="promoter",
        responded_at=now,
    )
    with pytest.raises(DuplicateConflict):
        rerate_intake.rerate_submit(token=path.split("/")[2], score=3)
    invitation.refresh_from_db()
    assert invitation.used_at is None and invitation.response_id is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.RERATED).exists()
    assert Ticket.objects.get(pk=ticket.pk).recovered is None
