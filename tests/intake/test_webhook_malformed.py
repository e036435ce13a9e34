"""Signed deliveries with values the adapters cannot read end as dead letters (202), never a
500: millisecond or huge Unix times, JSON nested past Python's recursion limit, and mapping
values that are not strings."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError

from intake.models import DeadLetter, WebhookSettings
from intake.platforms import qualtrics
from intake.platforms.delighted import sign as delighted_sign
from surveys.models import Response
from tests.intake.conftest import SECRET, hook_source, payload, post_hook

DEEP = "[" * 100_000 + "]" * 100_000


def test_delighted_millisecond_created_at_is_a_dead_letter_naming_it(client, survey):
    hook_source("delighted", survey=survey)
    body = payload("delighted_survey_response.updated")
    body["event_data"]["created_at"] *= 1000  # milliseconds, as some senders write it
    raw = json.dumps(body).encode()
    answer = post_hook(
        client,
        "/hooks/delighted/delighted-hook/",
        raw,
        {"X-Delighted-Webhook-Signature": delighted_sign(SECRET, raw)},
    )
    assert answer.status_code == 202, answer.json()
    assert list(DeadLetter.objects.get().reason) == ["event_data.created_at"]
    assert Response.objects.count() == 0


@pytest.mark.parametrize("responded", ["1774990125000", "99999999999999999999999"])
def test_asknicely_unreadable_unix_time_is_a_dead_letter(client, survey, responded):
    hook_source("asknicely", survey=survey)
    body = payload("asknicely_response")
    body["question"]["responded"] = responded
    answer = post_hook(client, f"/hooks/asknicely/asknicely-hook/{SECRET}/", body)
    assert answer.status_code == 202, answer.json()
    assert list(DeadLetter.objects.get().reason) == ["question.responded"]


def test_wootric_deeply_nested_json_is_a_dead_letter(client, survey):
    hook_source("wootric", survey=survey)
    answer = post_hook(client, f"/hooks/wootric/wootric-hook/{SECRET}/", DEEP.encode())
    assert answer.status_code == 202, answer.json()
    assert DeadLetter.objects.count() == 1


def test_qualtrics_deeply_nested_msg_is_a_dead_letter(client, survey):
    source = hook_source("qualtrics", survey=survey, mapping={"score_question": "QID1"})
    raw = urlencode(
        {"Topic": "surveyengine.completedResponse.SV_1", "MSG": DEEP, "HMAC": ""}
    ).encode()
    raw = raw.replace(b"HMAC=", b"HMAC=" + qualtrics.sign(source.webhook_secret, DEEP).encode())
    answer = client.generic(
        "POST",
        "/hooks/qualtrics/qualtrics-hook/",
        raw,
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 202, answer.json()
    assert list(DeadLetter.objects.get().reason) == ["MSG"]


def test_mapping_values_must_be_strings(survey):
    source = hook_source("typeform", survey=survey)
    config = WebhookSettings.objects.get(source=source)
    config.mapping = {"customer_external_id": 12}
    with pytest.raises(ValidationError, match="strings"):
        config.full_clean()


def test_a_stored_integer_mapping_value_does_not_break_deliveries(client, survey):
    hook_source("typeform", survey=survey, mapping={"customer_external_id": 12})
    from intake.platforms.typeform import sign

    raw = json.dumps(payload("typeform_form_response")).encode()
    answer = post_hook(
        client, "/hooks/typeform/typeform-hook/", raw, {"Typeform-Signature": sign(SECRET, raw)}
    )
    assert answer.status_code == 202, answer.content  # "12" is no reference: the admin fixes it
    assert list(DeadLetter.objects.get().reason) == ["mapping"]
