"""The issue's probes: each was a 500 (or a retried 503); each must be a 4xx naming a field."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from intake.platforms.generic import sign
from notifications.services import deliveries_flush
from tests.factories import TeamFactory, UserFactory, detractor_payload, ingest
from tests.intake.conftest import SECRET, hook_source, post_hook

pytestmark = pytest.mark.django_db


def nested(depth: int):
    value: list | dict = []
    for _ in range(depth - 1):
        value = [value]
    return value


def nested_text(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/reports/nps/", {"survey": "²"}, "survey"),
        ("/api/v1/reports/nps/", {"survey": "①"}, "survey"),
        ("/api/v1/reports/nps/", {"survey": "9" * 30}, "survey"),
        ("/api/v1/reports/sla/", {"team": "²"}, "team"),
        ("/api/v1/reports/nps/", {"survey": "a\x00"}, "survey"),
        ("/api/v1/reports/nps/", {"segment": "a\x00"}, "segment"),
        ("/api/v1/reports/nps/", {"start": "2026\x00"}, "start"),
        ("/api/v1/reports/sla/", {"team": "a\x00"}, "team"),
    ],
)
def test_report_filters_are_400_naming_the_param(admin_api, url, params, field):
    response = admin_api.get(url, params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


@pytest.mark.parametrize("url", ["/api/v1/responses/", "/api/v1/responses/bulk/"])
def test_body_nested_1000_deep_is_400(admin_api, survey, url):
    response = admin_api.generic("POST", url, nested_text(1000), content_type="application/json")
    assert response.status_code == 400, response.content
    assert "body" in response.json()["errors"]


@pytest.mark.parametrize(
    "metadata",
    [nested(500), {"n": float("inf")}, {"deep": nested(20)}],
    ids=["500-deep", "1e999", "20-deep"],
)
def test_unstorable_metadata_is_400_naming_metadata(admin_api, survey, metadata):
    raw = json.dumps(detractor_payload(metadata={"x": 1})).replace(
        '{"x": 1}', json.dumps(metadata).replace("Infinity", "1e999")
    )
    response = admin_api.generic("POST", "/api/v1/responses/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "metadata" in response.json()["errors"]


def test_signed_webhook_with_infinite_number_is_a_permanent_400(client, survey):
    hook_source("generic", survey=survey)
    raw = json.dumps(detractor_payload(metadata={"x": 1})).replace('{"x": 1}', '{"n": 1e999}')
    headers = {"X-FeedbackDesk-Signature": sign(SECRET, raw.encode(), None)}
    response = post_hook(client, "/hooks/generic/generic-hook/", raw.encode(), headers)
    assert response.status_code == 400, response.content
    assert "metadata" in response.json()["errors"]


def test_customer_name_with_newlines_still_gets_its_email_out(survey, source, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agent = UserFactory(username="olga", email="olga@example.com")
    TeamFactory(slug="general", is_fallback=True).members.add(agent)
    from intake.services import CustomerData

    customer = CustomerData(
        external_id="crlf", email="x@example.com", attributes={"name": "Eve\r\nBcc: a@evil.example"}
    )
    ingest(survey, source, score=1, customer=customer)
    deliveries_flush()
    assert len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject and "\r" not in mail.outbox[0].subject
    assert mail.outbox[0].bcc == []
