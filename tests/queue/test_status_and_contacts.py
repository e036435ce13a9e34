"""The status machine, contact attempts, the contact window and the overflow flag."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sla.models import SlaClock
from tests.queue.conftest import open_ticket
from tickets.exceptions import InvalidTransition, OutsideContactWindow, TicketActionError
from tickets.models import ContactAttempt, Ticket
from tickets.services import contacts, lifecycle, resolving


def clocks(ticket):
    return {c.kind: c for c in SlaClock.objects.filter(ticket=ticket)}


def test_first_contact_moves_new_to_in_progress_and_meets_the_clock(world):
    ticket = open_ticket(world)
    assert ticket.status == "new"
    at = timezone.now() - dt.timedelta(minutes=5)
    contacts.contact_attempt_log(
        ticket=ticket, by=world.agent_a, channel="phone", outcome="no_answer", occurred_at=at
    )
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.first_contacted_at == at
    first = clocks(ticket)["first_contact"]
    assert first.state == "met" and first.met_at == at
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["contact_logged", "status_changed"]


@pytest.mark.parametrize(
    "path,ok",
    [
        (["in_progress", "waiting_on_customer", "in_progress"], True),
        (["waiting_on_customer", "in_progress"], True),
        (["in_progress", "new"], False),
        (["waiting_on_customer", "closed"], False),  # closed only from resolved
        (["in_progress", "closed"], False),
        (["resolved"], False),  # resolving has its own action
        (["closed"], False),
    ],
)
def test_status_machine(world, path, ok):
    ticket = open_ticket(world)
    try:
        for status in path:
            lifecycle.ticket_status_set(ticket=ticket, by=world.agent_a, status=status)
    except InvalidTransition as exc:
        assert not ok
        assert exc.allowed == lifecycle.allowed_status_targets(ticket.status)
        assert status not in exc.allowed
        return
    assert ok
    assert Ticket.objects.get(pk=ticket.pk).status == path[-1]


def test_waiting_pauses_and_resumes_the_clocks(world):
    start = timezone.now()
    ticket = open_ticket(world, now=start)
    due = clocks(ticket)["resolution"].due_at
    lifecycle.ticket_status_set(
        ticket=ticket, by=world.agent_a, status="waiting_on_customer", now=start
    )
    assert {c.state for c in clocks(ticket).values()} == {"paused"}
    lifecycle.ticket_status_set(
        ticket=ticket, by=world.agent_a, status="in_progress", now=start + dt.timedelta(hours=3)
    )
    resumed = clocks(ticket)["resolution"]
    assert resumed.state == "running"
    assert resumed.due_at == due + dt.timedelta(hours=3)


def test_invalid_transition_is_409_naming_allowed_and_leaves_ticket(world, api):
    ticket = open_ticket(world)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    api.force_authenticate(world.agent_a)
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/status/", {"status": "waiting_on_customer"}, format="json"
    )
    assert answer.status_code == 409
    body = answer.json()
    assert body["allowed"] == ["closed"]
    assert "closed" in body["detail"] and "status" in body["errors"]
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    closed = api.post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "closed"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_contact_idempotency_key_records_once(world, api):
    ticket = open_ticket(world)
    api.force_authenticate(world.agent_a)
    body = {"channel": "email", "outcome": "reached", "idempotency_key": "k-1"}
    first = api.post(f"/api/v1/tickets/{ticket.pk}/contacts/", body, format="json")
    again = api.post(f"/api/v1/tickets/{ticket.pk}/contacts/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert ContactAttempt.objects.filter(ticket=ticket).count() == 1
    assert ticket.events.filter(kind="contact_logged").count() == 1


@pytest.mark.parametrize(
    "body,field",
    [
        ({"channel": "pigeon", "outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "happy"}, "outcome"),
        ({"channel": "phone", "outcome": "reached", "note": 12}, "note"),
        ({"channel": ["phone"], "outcome": "reached"}, "channel"),
        ({"channel": "phone", "outcome": "reached", "occurred_at": "yesterday"}, "occurred_at"),
        (
            {"channel": "phone", "outcome": "reached", "occurred_at": "2999-01-01T00:00:00Z"},
            "occurred_at",
        ),
        (
            {
                "channel": "phone",
                "outcome": "callback_requested",
                "callback_at": "2020-01-01T12:00:00Z",
            },
            "callback_at",
        ),
        (
            {"channel": "phone", "outcome": "reached", "callback_at": "2999-01-01T12:00:00Z"},
            "callback_at",
        ),
    ],
)
def test_bad_contact_input_is_4xx_naming_the_field(world, api, body, field):
    ticket = open_ticket(world)
    api.force_authenticate(world.agent_a)
    answer = api.post(f"/api/v1/tickets/{ticket.pk}/contacts/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"]
    assert not ContactAttempt.objects.filter(ticket=ticket).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == "new"


def test_contact_on_a_closed_ticket_is_refused(world):
    ticket = open_ticket(world)
    resolving.ticket_resolve(ticket=ticket, by=world.agent_a, code="unreachable")
    lifecycle.ticket_close(ticket=ticket)
    with pytest.raises(TicketActionError):
        contacts.contact_attempt_log(
            ticket=ticket, by=world.agent_a, channel="phone", outcome="reached"
        )


# --- contact window -------------------------------------------------------------------

# 10:00 UTC = 13:00 in Moscow, 19:00 in Tokyo, 02:00 in Los Angeles
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "zone,open_now,local_hour,next_open_utc",
    [
        ("Europe/Moscow", True, 13, NOW),  # open: the next opening is now
        ("Asia/Tokyo", True, 19, NOW),
        # 02:00 PST: opens at 09:00 the same local day = 17:00 UTC
        ("America/Los_Angeles", False, 2, dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)),
        # 22:00 in Kamchatka (UTC+12): closed until 09:00 next morning = 21:00 UTC today
        ("Asia/Kamchatka", False, 22, dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.UTC)),
    ],
)
def test_contact_window_in_customer_time(world, zone, open_now, local_hour, next_open_utc):
    from tickets.selectors import customer_contact_window

    ticket = open_ticket(world, time_zone=zone)
    window = customer_contact_window(ticket=ticket, now=NOW)
    assert window["open_now"] is open_now
    assert dt.datetime.fromisoformat(window["local_time"]).hour == local_hour
    assert (window["window_start"], window["window_end"]) == ("09:00", "21:00")
    assert dt.datetime.fromisoformat(window["next_open_at"]) == next_open_utc


def test_callback_outside_the_window_is_refused_naming_it(world, api):
    ticket = open_ticket(world, time_zone="Europe/Moscow")
    world.team_a.contact_window_start = dt.time(10, 0)
    world.team_a.contact_window_end = dt.time(18, 0)
    world.team_a.save()
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date()
    late = dt.datetime.combine(tomorrow, dt.time(16, 0), tzinfo=dt.UTC)  # 19:00 Moscow
    with pytest.raises(OutsideContactWindow) as refused:
        contacts.contact_attempt_log(
            ticket=ticket,
            by=world.agent_a,
            channel="phone",
            outcome="callback_requested",
            callback_at=late,
        )
    assert "10:00" in str(refused.value.message) and "18:00" in str(refused.value.message)
    api.force_authenticate(world.agent_a)
    answer = api.post(
        f"/api/v1/tickets/{ticket.pk}/contacts/",
        {"channel": "phone", "outcome": "callback_requested", "callback_at": late.isoformat()},
        format="json",
    )
    assert answer.status_code == 400
    assert "18:00" in answer.json()["errors"]["callback_at"][0]
    fine = dt.datetime.combine(tomorrow, dt.time(8, 0), tzinfo=dt.UTC)  # 11:00 Moscow
    attempt = contacts.contact_attempt_log(
        ticket=ticket,
        by=world.agent_a,
        channel="phone",
        outcome="callback_requested",
        callback_at=fine,
    )
    assert attempt.callback_at == fine


def test_detail_shows_local_time_window_and_preferred_channel_first(world, api):
    ticket = open_ticket(world, time_zone="Asia/Tokyo", preferred_channel="sms", phone="+81 1")
    api.force_authenticate(world.agent_a)
    body = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert body["contact_window"]["time_zone"] == "Asia/Tokyo"
    assert "open_now" in body["contact_window"]
    assert body["contact_channels"][0] == {
        "channel": "sms",
        "label": "SMS",
        "preferred": True,
        "available": True,
    }


# --- overflow -------------------------------------------------------------------------


def test_fourth_attempt_in_24h_is_recorded_but_flagged(world):
    ticket = open_ticket(world, now=timezone.now() - dt.timedelta(days=1))
    base = timezone.now() - dt.timedelta(hours=20)
    attempts = [
        contacts.contact_attempt_log(
            ticket=ticket,
            by=world.agent_a,
            channel="phone",
            outcome="no_answer",
            occurred_at=base + dt.timedelta(hours=h),
        )
        for h in (0, 5, 10, 15)
    ]
    assert [a.flagged_excessive for a in attempts] == [False, False, False, True]
    overflow = ticket.events.filter(kind="contact_overflow").get()
    assert overflow.data["attempt"] == attempts[-1].pk
    assert ContactAttempt.objects.filter(ticket=ticket).count() == 4


def test_attempts_spread_over_days_are_not_flagged(world):
    ticket = open_ticket(world, now=timezone.now() - dt.timedelta(days=3))
    base = timezone.now() - dt.timedelta(days=2, hours=12)
    flags = [
        contacts.contact_attempt_log(
            ticket=ticket,
            by=world.agent_a,
            channel="phone",
            outcome="no_answer",
            occurred_at=base + dt.timedelta(hours=h),
        ).flagged_excessive
        for h in (0, 10, 20, 30, 40, 50)
    ]
    assert not any(flags)
    assert not ticket.events.filter(kind="contact_overflow").exists()
