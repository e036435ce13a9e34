"""The dead-letter page lists a kept delivery's questions; a malformed delivery (that is
why it was kept) shows none instead of crashing the page."""

from __future__ import annotations

import json

import pytest

from intake.delivery_questions import delivery_questions
from intake.models import DeadLetter
from tests.intake.conftest import hook_source, payload

MALFORMED = {
    "typeform": [
        {"form_response": []},
        {"form_response": {"definition": [], "answers": 3}},
        {"form_response": {"definition": {"fields": 7}, "answers": []}},
        {"form_response": {"answers": [{"type": "number", "field": {"id": ["x"]}}]}},
    ],
    "formbricks": [{"data": []}, {"data": {"data": ["nps_q"]}}, {"data": "x"}],
    "survicate": [
        {"event": []},
        {"event": {"questionAnswered": []}},
        {"event": {"questionAnswered": {"question": [1]}}},
    ],
}


@pytest.mark.parametrize(
    ("platform", "body"),
    [(platform, body) for platform, bodies in MALFORMED.items() for body in bodies],
)
def test_malformed_delivery_has_no_questions(platform, body):
    assert delivery_questions(platform=platform, body=json.dumps(body).encode()) == []


def test_an_answer_of_an_unreadable_type_is_listed_without_its_value():
    body = {"form_response": {"answers": [{"type": ["text"], "field": {"id": "x", "type": "nps"}}]}}
    found = delivery_questions(platform="typeform", body=json.dumps(body).encode())
    assert found == [{"reference": "answer.x", "type": "nps", "title": "", "value": None}]


def test_documented_typeform_sample_lists_its_questions():
    raw = json.dumps(payload("typeform_form_response")).encode()
    found = delivery_questions(platform="typeform", body=raw)
    assert found and all(q["reference"].startswith("answer.") for q in found)


@pytest.mark.parametrize("platform", sorted(MALFORMED))
def test_dead_letter_page_renders_for_a_malformed_delivery(admin_client, survey, platform):
    source = hook_source(platform, survey=survey)
    for body in MALFORMED[platform]:
        letter = DeadLetter.objects.create(
            source=source,
            platform=platform,
            reason={"non_field_errors": ["Must be a JSON object."]},
            body=json.dumps(body).encode(),
            headers={},
        )
        page = admin_client.get(f"/admin/intake/deadletter/{letter.pk}/change/")
        assert page.status_code == 200
