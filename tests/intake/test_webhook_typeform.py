"""/hooks/typeform/<source>/: Typeform-Signature (base64 HMAC-SHA256) and form_response."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest

from intake.models import DeadLetter, WebhookSettings
from intake.platforms.typeform import sign
from surveys.models import Response
from tests.factories import answer_day
from tests.intake.conftest import SECRET, hook_source, payload, post_hook
from tickets.models import Ticket

URL = "/hooks/typeform/typeform-hook/"
HEADER = "Typeform-Signature"
SCORE_PATH = "form_response.answers[field.ref=nps_score].number"


def deliver(client, body, secret=SECRET, url=URL):
    raw = json.dumps(body).encode()
    return post_hook(client, url, raw, {HEADER: sign(secret, raw)})


def answer_of(body: dict, ref: str) -> dict:
    return next(a for a in body["form_response"]["answers"] if a["field"]["ref"] == ref)


def test_signature_is_base64_of_hmac_sha256_with_prefix():
    raw = b'{"event_type":"form_response"}'
    digest = hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()
    assert sign(SECRET, raw) == "sha256=" + base64.b64encode(digest).decode()


def test_detractor_form_response_is_stored_and_opens_a_ticket(client, typeform_source):
    answer = deliver(client, payload("typeform_form_response"))
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get(pk=answer.json()["id"])
    assert stored.external_id == "a3a12ec67a1365927098a606107fac15"
    assert stored.score == 3
    assert stored.category == "detractor"
    assert stored.comment == "Delivery was two days late and nobody called."
    expected = dt.datetime.combine(answer_day(), dt.time(6, 15), tzinfo=dt.UTC)
    assert stored.responded_at == expected
    assert stored.customer.external_id == "cust-42"
    assert stored.customer.email == "anna@example.com"  # hidden field wins over the answer
    assert stored.customer.segment == "enterprise"
    assert stored.metadata["form_id"] == "lT4Z3j"
    assert stored.metadata["hidden"]["customer_id"] == "cust-42"
    assert Ticket.objects.get().origin_response == stored


def test_mapping_picks_other_fields(client, survey):
    hook_source(
        "typeform",
        survey=survey,
        mapping={
            "score": "answer.checkout_ease",
            "comment": "answer.readable_ref_short_text",
            "customer_email": "answer.readable_ref_email",
            "customer_external_id": "variable.name",
        },
        channel="web",
    )
    answer = deliver(client, payload("typeform_form_response"))
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get()
    assert (stored.score, stored.category, stored.comment) == (9, "promoter", "Laura")
    assert stored.channel == "web"
    assert stored.customer.email == "laura@example.com"
    assert stored.customer.external_id == "typeform"
    assert Ticket.objects.count() == 0


def test_email_answer_is_used_when_no_hidden_email(client, typeform_source):
    body = payload("typeform_form_response")
    body["form_response"]["hidden"] = {}
    answer = deliver(client, body)
    assert answer.status_code == 201, answer.json()
    assert Response.objects.get().customer.email == "laura@example.com"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=not-the-digest",
        "sha1=abc",
        # the hex digest instead of base64: a common integration mistake
        "sha256=" + hmac.new(SECRET.encode(), b"x", hashlib.sha256).hexdigest(),
    ],
)
def test_missing_or_bad_signature_is_401(client, typeform_source, header):
    headers = {} if header is None else {HEADER: header}
    answer = post_hook(client, URL, payload("typeform_form_response"), headers)
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == [HEADER]
    assert Response.objects.count() == 0


def test_signature_with_another_secret_is_401(client, typeform_source):
    answer = deliver(client, payload("typeform_form_response"), secret="not-the-secret")
    assert answer.status_code == 401
    assert Response.objects.count() == 0


def test_tampered_body_is_401(client, typeform_source):
    raw = json.dumps(payload("typeform_form_response")).encode()
    headers = {HEADER: sign(SECRET, raw)}
    tampered = raw.replace(b'"number": 3', b'"number": 10')
    assert tampered != raw
    assert post_hook(client, URL, tampered, headers).status_code == 401
    assert Response.objects.count() == 0


def test_redelivery_is_stored_once(client, typeform_source):
    body = payload("typeform_form_response")
    assert deliver(client, body).status_code == 201
    again = deliver(client, body)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert Response.objects.count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("value", ["3", 3.5, None, True])
def test_score_of_the_wrong_json_type_is_kept_naming_the_answer(client, typeform_source, value):
    body = payload("typeform_form_response")
    answer_of(body, "nps_score")["number"] = value
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == [SCORE_PATH]
    assert Response.objects.count() == 0


def test_score_out_of_the_survey_scale_is_kept_as_dead_letter(client, typeform_source):
    body = payload("typeform_form_response")
    answer_of(body, "nps_score")["number"] = 11
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert "between 0 and 10" in answer.json()["errors"][SCORE_PATH][0]


def test_missing_score_answer_is_kept_as_dead_letter(client, typeform_source):
    body = payload("typeform_form_response")
    body["form_response"]["answers"] = [
        a for a in body["form_response"]["answers"] if a["field"]["type"] not in ("nps",)
    ]
    body["form_response"]["answers"] = [
        a for a in body["form_response"]["answers"] if a["field"]["type"] != "opinion_scale"
    ]
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == ["form_response.answers"]


def test_mapped_score_field_missing_is_kept_as_dead_letter_naming_it(client, survey):
    hook_source("typeform", survey=survey, mapping={"score": "answer.no_such_ref"})
    answer = deliver(client, payload("typeform_form_response"))
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == ["form_response.answers[field.ref=no_such_ref]"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answers": {"not": "a list"}}, "form_response.answers"),
        ({"hidden": ["not", "an object"]}, "form_response.hidden"),
        ({"token": 12.5}, "form_response.token"),
        ({"submitted_at": "2026-13-45"}, "form_response.submitted_at"),
        ({"hidden": {"email": "not-an-email"}}, "form_response.hidden.email"),
    ],
)
def test_wrong_shapes_are_kept_naming_the_field(client, typeform_source, change, field):
    body = payload("typeform_form_response")
    body["form_response"].update(change)
    answer = deliver(client, body)
    assert answer.status_code == 202, answer.json()
    assert field in answer.json()["errors"], answer.json()
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert Response.objects.count() == 0


def test_form_response_missing_is_kept_as_dead_letter(client, typeform_source):
    answer = deliver(client, {"event_id": "x", "event_type": "form_response"})
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == ["form_response"]


def test_other_event_types_are_acknowledged_and_ignored(client, typeform_source):
    body = payload("typeform_form_response")
    body["event_type"] = "form_response_partial"
    answer = deliver(client, body)
    assert answer.status_code == 200
    assert answer.json()["ignored"] is True
    assert Response.objects.count() == 0


def test_source_without_a_survey_is_kept_as_dead_letter_naming_survey(client, typeform_source):
    WebhookSettings.objects.filter(source=typeform_source).update(survey=None)
    answer = deliver(client, payload("typeform_form_response"))
    assert answer.status_code == 202
    assert DeadLetter.objects.get().reason == answer.json()["errors"]
    assert list(answer.json()["errors"]) == ["survey"]


def test_unknown_source_is_404(client, typeform_source):
    answer = deliver(client, payload("typeform_form_response"), url="/hooks/typeform/nope/")
    assert answer.status_code == 404


def test_docs_example_opinion_scale_is_never_taken_as_nps_by_default(client, typeform_source):
    """The documented example's only scale answer is a 1–5 opinion_scale: not an NPS score."""
    body = payload("typeform_form_response")
    body["form_response"]["answers"] = [
        a for a in body["form_response"]["answers"] if a["field"]["type"] != "nps"
    ]
    answer = deliver(client, body)
    assert answer.status_code == 202
    assert list(DeadLetter.objects.get().reason) == ["form_response.answers"]
    assert (Response.objects.count(), Ticket.objects.count()) == (0, 0)


def test_a_named_opinion_scale_question_is_taken(client, survey):
    hook_source("typeform", survey=survey, mapping={"score": "answer.Q2opScale"})
    body = payload("typeform_form_response")
    answer_of(body, "checkout_ease")["number"] = 9
    assert deliver(client, body).status_code == 201
    assert Response.objects.get().score == 9
