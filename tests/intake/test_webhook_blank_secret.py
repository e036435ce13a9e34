"""A source whose signing secret is blank accepts nothing: an HMAC with an empty key is
computable by anyone, so a delivery "signed" that way is 401 on every signed platform."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

import pytest

from intake.models import DeadLetter, PendingFetch
from intake.platforms import delighted, qualtrics, surveymonkey, survicate, typeform
from surveys.models import Response
from tests.intake.conftest import PAYLOADS, hook_source, payload


def _json(name: str, module, header: str):
    raw = json.dumps(payload(name)).encode()
    return raw, "application/json", {header: module.sign("", raw)}


def _qualtrics():
    raw = (PAYLOADS / "qualtrics_completedResponse.form-urlencoded.txt").read_bytes().strip()
    form = {"Topic": _field(raw, "Topic"), "MSG": _field(raw, "MSG")}
    form["HMAC"] = qualtrics.sign("", form["MSG"])
    return urlencode(form).encode(), "application/x-www-form-urlencoded", {}


def _field(raw: bytes, name: str) -> str:
    return parse_qs(raw.decode())[name][0]


DELIVERIES = {
    "typeform": lambda: _json("typeform_form_response", typeform, "Typeform-Signature"),
    "delighted": lambda: _json(
        "delighted_survey_response.updated", delighted, "X-Delighted-Webhook-Signature"
    ),
    "survicate": lambda: _json("survicate_question_answered", survicate, "Hmac"),
    "surveymonkey": lambda: _json("surveymonkey_response_completed", surveymonkey, "Sm-Signature"),
    "qualtrics": _qualtrics,
}


@pytest.mark.parametrize("platform", sorted(DELIVERIES))
def test_blank_secret_refuses_an_empty_key_signature(client, survey, platform):
    source = hook_source(platform, survey=survey, mapping={"score_question": "1"})
    source.webhook_secret = ""
    source.save()
    raw, content_type, headers = DELIVERIES[platform]()
    answer = client.generic(
        "POST",
        f"/hooks/{platform}/{platform}-hook/",
        raw,
        content_type=content_type,
        headers=headers,
    )
    assert answer.status_code == 401, answer.content
    assert "secret" in json.dumps(answer.json(), ensure_ascii=False)
    counts = (Response.objects.count(), DeadLetter.objects.count(), PendingFetch.objects.count())
    assert counts == (0, 0, 0)
