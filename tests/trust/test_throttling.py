"""Rate limits answer 429 with Retry-After: ingestion per key, reads per user, failed
authentication per address, webhooks per source."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_create
from intake.platforms.generic import sign
from tests.factories import UserFactory, detractor_payload
from tests.intake.conftest import SECRET, hook_source, post_hook

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.THROTTLE_RATES = {"ingest": None, "read": None, "auth_failure": None}
    return settings.THROTTLE_RATES


def test_a_burst_of_2000_ingestion_requests_gets_429s_past_the_rate(rates, ingest_api, survey):
    rates["ingest"] = "1000/hour"
    statuses = [ingest_api.post("/api/v1/responses/", {}, format="json") for _ in range(2000)]
    codes = [r.status_code for r in statuses]
    assert codes.count(400) == 1000  # allowed through to validation (empty body)
    assert codes.count(429) == 1000
    limited = statuses[-1]
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"


def test_each_source_key_has_its_own_budget(rates, ingest_api, survey):
    from surveys.models import IngestionSource

    rates["ingest"] = "2/min"
    assert ingest_api.post(
        "/api/v1/responses/", detractor_payload(), format="json"
    ).status_code in (
        200,
        201,
    )
    ingest_api.post("/api/v1/responses/", {}, format="json")
    assert ingest_api.post("/api/v1/responses/", {}, format="json").status_code == 429
    other = IngestionSource.objects.create(name="Other", slug="other")
    key = other.issue_key()
    other.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.post("/api/v1/responses/bulk/", [], format="json").status_code == 200


def test_reads_are_throttled_per_user(rates, admin_api, admin_user):
    rates["read"] = "3/min"
    codes = [admin_api.get("/api/v1/responses/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = APIClient()
    other.force_authenticate(UserFactory(username="second", is_superuser=True))
    assert other.get("/api/v1/responses/").status_code == 200


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_wrong_tokens_and_keys_are_throttled_per_address(rates, admin_user, scheme):
    rates["auth_failure"] = "5/min"
    good = api_token_create(user=admin_user)[1]
    client = APIClient(REMOTE_ADDR="10.9.9.9")
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} wrong-{scheme}")
    codes = [client.get("/api/v1/responses/").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    client.credentials(HTTP_AUTHORIZATION=f"Token {good}")
    refused = client.get("/api/v1/responses/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    elsewhere = APIClient(REMOTE_ADDR="10.9.9.10")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Token {good}")
    assert elsewhere.get("/api/v1/responses/").status_code == 200


def test_webhooks_are_throttled_per_source(rates, client, survey):
    rates["ingest"] = "2/min"
    hook_source("generic", survey=survey)
    raw = json.dumps(detractor_payload()).encode()
    headers = {"X-FeedbackDesk-Signature": sign(SECRET, raw, None)}
    codes = [
        post_hook(client, "/hooks/generic/generic-hook/", raw, headers).status_code
        for _ in range(3)
    ]
    assert codes[:2] != [429, 429] and codes[2] == 429
    limited = post_hook(client, "/hooks/generic/generic-hook/", raw, headers)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
