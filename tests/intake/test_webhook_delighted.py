"""/hooks/delighted/<source>/: X-Delighted-Webhook-Signature, created → updated upserts."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from intake.models import DeadLetter
from intake.platforms.delighted import sign
from surveys.models import Response
from tests.intake.conftest import SECRET, hook_source, payload, post_hook
from tickets.models import Ticket, TicketEvent

URL = "/hooks/delighted/delighted-hook/"
HEADER = "X-Delighted-Webhook-Signature"


@pytest.fixture
def delighted_source(survey):
    return hook_source("delighted", survey=survey)


def deliver(client, body, secret=SECRET):
    raw = json.dumps(body).encode()
    return post_hook(client, URL, raw, {HEADER: sign(secret, raw)})


def created_of(body: dict) -> dict:
    """Delighted documents no .created sample: same shape, comment usually null."""
    body["event_type"] = "survey_response.created"
    body["event_data"]["comment"] = None
    return body


def test_signature_is_sha256_hex_of_the_raw_body():
    raw = b'{"a":1}'
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert sign(SECRET, raw) == expected


def test_documented_detractor_is_stored_and_opens_a_ticket(client, delighted_source):
    answer = deliver(client, payload("delighted_survey_response.updated_legacy"))
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get()
    assert (stored.external_id, stored.score, stored.category) == ("5435", 5, "detractor")
    assert stored.comment.startswith("Your service is slow")
    assert stored.customer.external_id == "5975"
    assert stored.customer.email == "paul_gravis@example.com"
    assert stored.responded_at.timestamp() == 1482589409
    assert Ticket.objects.get().origin_response == stored


def test_created_then_updated_leaves_one_answer_with_the_comment(client, delighted_source):
    first = deliver(client, created_of(payload("delighted_survey_response.updated_legacy")))
    assert first.status_code == 201
    assert Response.objects.get().comment == ""
    second = deliver(client, payload("delighted_survey_response.updated_legacy"))
    assert second.status_code == 200, second.json()
    stored = Response.objects.get()
    assert stored.comment.startswith("Your service is slow")
    ticket = Ticket.objects.get()
    assert ticket.origin_response.comment == stored.comment
    assert ticket.events.filter(kind=TicketEvent.Kind.NOTE).count() == 1


def test_score_raised_keeps_the_ticket_and_notes_it(client, delighted_source):
    deliver(client, payload("delighted_survey_response.updated_legacy"))  # 5: detractor
    answer = deliver(client, payload("delighted_survey_response.updated"))  # same id, 9
    assert answer.status_code == 200, answer.json()
    stored = Response.objects.get()
    assert (stored.score, stored.category) == (9, "promoter")
    ticket = Ticket.objects.get()
    note = ticket.events.filter(kind=TicketEvent.Kind.NOTE, data__score_changed__to=9).get()
    assert note.data["score_changed"] == {"from": 5, "to": 9}


def test_score_lowered_into_detractor_range_opens_a_ticket(client, delighted_source):
    deliver(client, payload("delighted_survey_response.updated"))  # 9: promoter
    assert Ticket.objects.count() == 0
    lowered = payload("delighted_survey_response.updated")
    lowered["event_data"]["score"] = 3
    assert deliver(client, lowered).status_code == 200
    assert Response.objects.get().category == "detractor"
    assert Ticket.objects.get().origin_response == Response.objects.get()


def test_repeated_delivery_is_not_a_conflict_and_stores_nothing_new(client, delighted_source):
    body = payload("delighted_survey_response.updated")
    assert deliver(client, body).status_code == 201
    again = deliver(client, body)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert Response.objects.count() == 1


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64, "abc", "sha256=nothex"])
def test_forged_signature_is_401_and_leaves_no_trace(client, delighted_source, header):
    headers = {} if header is None else {HEADER: header}
    answer = post_hook(client, URL, payload("delighted_survey_response.updated"), headers)
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == [HEADER]
    assert (Response.objects.count(), DeadLetter.objects.count()) == (0, 0)


def test_other_survey_types_are_kept_as_dead_letters(client, delighted_source):
    body = payload("delighted_survey_response.updated")
    body["event_data"]["survey_type"] = "csat"
    answer = deliver(client, body)
    assert answer.status_code == 202
    letter = DeadLetter.objects.get()
    assert list(letter.reason) == ["event_data.survey_type"]
    assert json.loads(bytes(letter.body)) == body
    assert Response.objects.count() == 0


def test_unsubscribe_events_are_acknowledged_and_ignored(client, delighted_source):
    answer = deliver(client, {"event_type": "unsubscribe.created", "event_data": {}})
    assert answer.status_code == 200
    assert answer.json()["ignored"] is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_created_and_updated_leave_one_answer():
    import threading

    from django.db import connection
    from django.test import Client

    from tests.factories import SurveyFactory

    hook_source("delighted", survey=SurveyFactory(slug="nps-2026"))
    bodies = [
        created_of(payload("delighted_survey_response.updated_legacy")),
        payload("delighted_survey_response.updated_legacy"),
        payload("delighted_survey_response.updated"),
        payload("delighted_survey_response.updated"),
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def send(body):
        try:
            barrier.wait()
            statuses.append(deliver(Client(), body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses)[0] in (200, 201) and set(statuses) <= {200, 201}
    assert statuses.count(201) == 1
    # Whatever the order, the newest delivery (score 9, updated_at 1737527576) wins.
    stored = Response.objects.get()
    newest = payload("delighted_survey_response.updated")["event_data"]
    assert (stored.score, stored.category, stored.comment) == (9, "promoter", newest["comment"])
    # A ticket exists only if the 5 was stored first; then it is this answer's and notes 5→9.
    tickets = list(Ticket.objects.all())
    assert len(tickets) <= 1
    if tickets:
        assert tickets[0].origin_response == stored
        note = tickets[0].events.get(kind=TicketEvent.Kind.NOTE, data__score_changed__to=9)
        assert note.data["score_changed"] == {"from": 5, "to": 9}


def test_an_older_delivery_after_a_newer_one_changes_nothing(client, delighted_source):
    newer = payload("delighted_survey_response.updated")  # score 9, updated_at 1737527576
    older = created_of(payload("delighted_survey_response.updated"))
    older["event_data"].update(score=3, updated_at=older["event_data"]["created_at"])
    assert deliver(client, newer).status_code == 201
    late = deliver(client, older)
    assert late.status_code == 200, late.json()
    stored = Response.objects.get()
    assert (stored.score, stored.category) == (9, "promoter")
    assert stored.comment == newer["event_data"]["comment"]
    assert Ticket.objects.count() == 0
