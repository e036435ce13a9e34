"""/hooks/generic/<source>/: our own HMAC scheme over the contract's ingestion format."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from intake.platforms.generic import sign
from surveys.models import IngestionSource, Response
from tests.factories import detractor_payload
from tests.intake.conftest import SECRET, hook_source, post_hook
from tickets.models import Ticket

URL = "/hooks/generic/generic-hook/"
HEADER = "X-FeedbackDesk-Signature"
TS_HEADER = "X-FeedbackDesk-Timestamp"


def signed(body, secret=SECRET, timestamp: str | None = None) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    headers = {HEADER: sign(secret, raw, timestamp)}
    if timestamp:
        headers[TS_HEADER] = timestamp
    return raw, headers


def deliver(client, body, **kwargs):
    raw, headers = signed(body, **kwargs)
    return post_hook(client, URL, raw, headers)


def test_signed_detractor_is_stored_and_opens_a_ticket(client, generic_source):
    answer = deliver(client, detractor_payload())
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["duplicate"] is False
    assert body["category"] == "detractor"
    stored = Response.objects.get(pk=body["id"])
    assert stored.source == generic_source
    assert stored.customer.email == "anna@example.com"
    assert stored.metadata == {"order_id": "A-77"}
    assert Ticket.objects.get().origin_response == stored
    assert body["ticket"] == stored.ticket_id


def test_signed_timestamp_is_accepted_within_the_window(client, generic_source):
    now = timezone.now()
    answer = deliver(client, detractor_payload(), timestamp=str(int(now.timestamp()) - 60))
    assert answer.status_code == 201, answer.json()


def test_survey_defaults_to_the_sources_survey(client, generic_source):
    body = detractor_payload()
    del body["survey"]
    answer = deliver(client, body)
    assert answer.status_code == 201, answer.json()
    assert Response.objects.get().survey.slug == "nps-2026"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {HEADER: ""},
        {HEADER: "deadbeef"},
        {HEADER: "sha256=" + "0" * 64},
        {HEADER: sign("another-secret", json.dumps(detractor_payload()).encode())},
    ],
    ids=["missing", "empty", "no-prefix", "wrong-digest", "wrong-secret"],
)
def test_missing_or_bad_signature_is_401_naming_the_header(client, generic_source, headers):
    answer = post_hook(client, URL, detractor_payload(), headers)
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == "signature_invalid"
    assert list(body["errors"]) == [HEADER]
    assert HEADER in body["detail"]
    assert Response.objects.count() == 0


def test_tampered_body_is_401(client, generic_source):
    raw, headers = signed(detractor_payload(score=9))
    tampered = raw.replace(b'"score": 9', b'"score": 1')
    assert tampered != raw
    answer = post_hook(client, URL, tampered, headers)
    assert answer.status_code == 401
    assert Response.objects.count() == 0


def test_stale_timestamp_is_401_even_with_a_valid_signature(client, generic_source):
    sent_at = timezone.now()
    raw, headers = signed(detractor_payload(), timestamp=str(int(sent_at.timestamp())))
    with time_machine.travel(sent_at + dt.timedelta(minutes=6), tick=False):
        answer = post_hook(client, URL, raw, headers)
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == [TS_HEADER]
    assert Response.objects.count() == 0


def test_timestamp_is_part_of_the_signed_string(client, generic_source):
    now = int(timezone.now().timestamp())
    raw, headers = signed(detractor_payload(), timestamp=str(now - 1000))
    headers[TS_HEADER] = str(now)  # a fresh timestamp on a captured delivery
    answer = post_hook(client, URL, raw, headers)
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == [HEADER]


def test_source_can_require_a_timestamp(client, survey):
    source = hook_source("generic", survey=survey, require_timestamp=True)
    answer = deliver(client, detractor_payload())
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == [TS_HEADER]
    answer = deliver(client, detractor_payload(), timestamp=str(int(timezone.now().timestamp())))
    assert answer.status_code == 201
    assert Response.objects.get().source == source


def test_source_without_a_secret_accepts_nothing(client, generic_source):
    generic_source.webhook_secret = ""
    generic_source.save()
    answer = deliver(client, detractor_payload(), secret="")
    assert answer.status_code == 401
    assert Response.objects.count() == 0


def test_replayed_delivery_is_stored_once(client, generic_source):
    raw, headers = signed(detractor_payload())
    first = post_hook(client, URL, raw, headers)
    again = post_hook(client, URL, raw, headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert Response.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_replay_with_another_score_is_409_and_changes_nothing(client, generic_source):
    assert deliver(client, detractor_payload(score=3)).status_code == 201
    answer = deliver(client, detractor_payload(score=9))
    assert answer.status_code == 409
    assert answer.json()["code"] == "duplicate_conflict"
    assert "score" in answer.json()["errors"]
    assert Response.objects.get().score == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"score": "3"}, "score"),
        ({"score": 3.5}, "score"),
        ({"score": None}, "score"),
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"comment": 42}, "comment"),
        ({"responded_at": "yesterday"}, "responded_at"),
        ({"customer": {"name": "No identity"}}, "customer.external_id"),
        ({"customer": {"email": "not-an-email"}}, "customer.email"),
        ({"survey": "no-such-survey"}, "survey"),
        ({"external_id": ""}, "external_id"),
        ({"metadata": {"note": "a\x00b"}}, "metadata"),
        ({"comment": "a\x00b"}, "comment"),
    ],
)
def test_invalid_answer_is_400_naming_the_field(client, generic_source, change, field):
    answer = deliver(client, detractor_payload(**change))
    assert answer.status_code == 400, answer.json()
    body = answer.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert Response.objects.count() == 0


def test_missing_score_is_400_naming_score(client, generic_source):
    body = detractor_payload()
    del body["score"]
    answer = deliver(client, body)
    assert answer.status_code == 400
    assert "score" in answer.json()["errors"]


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b'"just a string"', b"[]"])
def test_body_that_is_not_an_answer_is_400(client, generic_source, raw):
    answer = post_hook(client, URL, raw, {HEADER: sign(SECRET, raw)})
    assert answer.status_code == 400
    assert answer.json()["errors"]
    assert Response.objects.count() == 0


def test_array_of_answers_is_stored_in_one_delivery(client, generic_source):
    items = [
        detractor_payload(external_id="a-1", score=2),
        detractor_payload(
            external_id="a-2", score=10, customer={"external_id": "cust-7", "name": "Ivan"}
        ),
    ]
    answer = deliver(client, items)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["created"] == 2
    assert [r["external_id"] for r in body["results"]] == ["a-1", "a-2"]
    assert [r["category"] for r in body["results"]] == ["detractor", "promoter"]
    again = deliver(client, items)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 2
    assert Response.objects.count() == 2


def test_one_bad_answer_in_an_array_stores_none_and_names_its_index(client, generic_source):
    items = [detractor_payload(external_id="a-1"), detractor_payload(external_id="a-2", score=42)]
    answer = deliver(client, items)
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["[1].score"]
    assert Response.objects.count() == 0


def test_conflict_late_in_an_array_rolls_back_the_earlier_answers(client, generic_source):
    assert deliver(client, detractor_payload(external_id="a-2", score=3)).status_code == 201
    items = [detractor_payload(external_id="a-1"), detractor_payload(external_id="a-2", score=8)]
    answer = deliver(client, items)
    assert answer.status_code == 409
    assert list(answer.json()["errors"]) == ["[1].score"]
    assert list(Response.objects.values_list("external_id", flat=True)) == ["a-2"]


@pytest.mark.parametrize(
    "url",
    [
        "/hooks/nosuchplatform/generic-hook/",
        "/hooks/generic/no-such-source/",
        "/hooks/typeform/generic-hook/",  # the source is set up for another platform
    ],
)
def test_unknown_platform_or_source_is_404(client, generic_source, url):
    raw, headers = signed(detractor_payload())
    answer = post_hook(client, url, raw, headers)
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"kind": IngestionSource.Kind.API}], ids=["inactive", "api"]
)
def test_inactive_or_non_webhook_source_is_404(client, generic_source, change):
    IngestionSource.objects.filter(pk=generic_source.pk).update(**change)
    answer = deliver(client, detractor_payload())
    assert answer.status_code == 404


def test_url_without_trailing_slash_works(client, generic_source):
    raw, headers = signed(detractor_payload())
    assert post_hook(client, URL.rstrip("/"), raw, headers).status_code == 201


def test_only_post(client, generic_source):
    answer = client.get(URL)
    assert answer.status_code == 405
    assert answer["Allow"] == "POST"
    assert answer.json()["code"] == "method_not_allowed"


def test_body_over_one_megabyte_is_413(client, generic_source):
    item = detractor_payload(comment="x" * 1_000_100)
    answer = deliver(client, item)
    assert answer.status_code == 413
    assert answer.json()["code"] == "request_too_large"
    assert Response.objects.count() == 0


@override_settings(WEBHOOK_MAX_BODY_BYTES=200)
def test_hook_body_limit_is_enforced_by_the_view_itself(client, generic_source):
    answer = deliver(client, detractor_payload())
    assert answer.status_code == 413
    assert Response.objects.count() == 0
