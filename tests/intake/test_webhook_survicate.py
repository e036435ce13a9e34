"""/hooks/survicate/<source>/: `Hmac` header (hex HMAC-SHA256), questionAnswered events."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from intake.models import DeadLetter
from intake.platforms.survicate import sign
from surveys.models import Response
from tests.intake.conftest import SECRET, hook_source, payload, post_hook
from tickets.models import Ticket

URL = "/hooks/survicate/survicate-hook/"
HEADER = "Hmac"
EVENT = "questionAnswered"


def deliver(client, body, secret=SECRET):
    raw = json.dumps(body).encode()
    return post_hook(client, URL, raw, {HEADER: sign(secret, raw)})


def test_signature_is_lowercase_hex_hmac_sha256():
    raw = b"{}"
    assert sign(SECRET, raw) == hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def test_nps_answer_is_stored_and_opens_a_ticket(client, survicate_source):
    answer = deliver(client, payload("survicate_question_answered"))
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get()
    assert stored.external_id == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert (stored.score, stored.category) == (2, "detractor")
    assert stored.comment == "Support never answered my emails."
    assert stored.customer.external_id == "534759"
    assert stored.customer.email == "alan@example.com"
    assert stored.customer.name == "Alan Fresco"
    assert stored.metadata["survey_id"] == "b92b6ecae6dd7207"
    assert Ticket.objects.get().origin_response == stored


def test_other_questions_are_acknowledged_and_ignored(client, survey):
    hook_source("survicate", survey=survey, mapping={"score_question": "999"})
    answer = deliver(client, payload("survicate_question_answered"))
    assert answer.status_code == 200
    assert answer.json()["ignored"] is True
    assert Response.objects.count() == 0


def test_score_question_by_id(client, survey):
    hook_source("survicate", survey=survey, mapping={"score_question": 12123})
    body = payload("survicate_question_answered")
    body["event"][EVENT]["choice"]["body"] = "2"  # recognised by its id alone
    assert deliver(client, body).status_code == 201


def test_without_score_question_nps_is_recognised_by_its_choice_body(client, survicate_source):
    """Survicate names no question type in the delivery; an NPS choice's body is its
    category (promoter / passive / detractor), as the webhook docs show."""
    assert "type" not in payload("survicate_question_answered")["event"][EVENT]
    for category, uuid in (("promoter", "r-1"), ("Passive", "r-2")):
        body = payload("survicate_question_answered")
        body["event"][EVENT].update(responseUuid=uuid)
        body["event"][EVENT]["choice"].update(id=9 if category == "promoter" else 7, body=category)
        assert deliver(client, body).status_code == 201
    answer = deliver(client, payload("survicate_question_answered"))
    assert answer.status_code == 201, answer.json()
    scores = dict(Response.objects.values_list("external_id", "score"))
    assert scores == {"r-1": 9, "r-2": 7, "3fa85f64-5717-4562-b3fc-2c963f66afa6": 2}


def test_documented_rating_answer_without_score_question_is_ignored(client, survicate_source):
    body = payload("survicate_question_answered.documented")
    assert body["event"][EVENT]["choice"]["body"] == "Great"  # a rating question, not NPS
    answer = deliver(client, body)
    assert answer.status_code == 200
    assert answer.json()["ignored"] is True
    assert Response.objects.count() == 0


def test_attributes_sent_as_empty_array_fall_back_to_contact_fields(client, survicate_source):
    body = payload("survicate_question_answered")
    body["event"][EVENT]["respondent"]["attributes"] = []
    body["event"][EVENT]["fields"] = {"email": "contact@example.com"}
    assert deliver(client, body).status_code == 201
    assert Response.objects.get().customer.email == "contact@example.com"


@pytest.mark.parametrize("header", [None, "", "0" * 64, "not hex"])
def test_missing_or_bad_signature_is_401(client, survicate_source, header):
    headers = {} if header is None else {HEADER: header}
    answer = post_hook(client, URL, payload("survicate_question_answered"), headers)
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == [HEADER]
    assert Response.objects.count() == 0


def test_tampered_body_is_401(client, survicate_source):
    raw = json.dumps(payload("survicate_question_answered")).encode()
    headers = {HEADER: sign(SECRET, raw)}
    tampered = raw.replace(b'"id": 2,', b'"id": 10,')
    assert tampered != raw
    assert post_hook(client, URL, tampered, headers).status_code == 401
    assert Response.objects.count() == 0


def test_retried_delivery_is_stored_once(client, survicate_source):
    body = payload("survicate_question_answered")
    assert deliver(client, body).status_code == 201
    body["deliveryTries"] = 1  # Survicate counts its retries in the body
    again = deliver(client, body)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"id": "2", "body": "detractor"}, "event.questionAnswered.choice.id"),
        ({"id": 11, "body": "?"}, "event.questionAnswered.choice.id"),
        ({"body": "no id"}, "event.questionAnswered.choice.id"),
        ({"id": 2, "comment": ["a list"]}, "event.questionAnswered.choice.comment"),
        ("not an object", "event.questionAnswered.choice"),
    ],
)
def test_bad_choice_is_kept_as_dead_letter_naming_the_field(client, survey, choice, field):
    hook_source("survicate", survey=survey, mapping={"score_question": 12123})
    body = payload("survicate_question_answered")
    body["event"][EVENT]["choice"] = choice
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == [field]
    assert Response.objects.count() == 0


def test_respondent_without_identity_is_kept_as_dead_letter_naming_the_respondent(
    client, survicate_source
):
    body = payload("survicate_question_answered")
    body["event"][EVENT]["respondent"] = {"attributes": []}
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == ["event.questionAnswered.respondent"]


def test_survey_completed_events_are_ignored(client, survicate_source):
    answer = deliver(client, {"messageId": "m1", "event": {"surveyCompleted": {}}})
    assert answer.status_code == 200
    assert answer.json()["ignored"] is True


def test_a_delivery_without_response_uuid_is_a_dead_letter_not_keyed_by_message_id(
    client, survicate_source
):
    """messageId names one delivery, not the answer: keyed by it, a retry of the same
    answer under a new message would be stored twice."""
    body = payload("survicate_question_answered")
    del body["event"][EVENT]["responseUuid"]
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert list(DeadLetter.objects.get().reason) == [f"event.{EVENT}.responseUuid"]
    assert Response.objects.count() == 0
