"""What every platform's hook shares: routing, limits, CSRF exemption, concurrent retries."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from intake.platforms import generic, survicate, typeform
from surveys.models import Response
from tests.factories import SurveyFactory, detractor_payload
from tests.intake.conftest import SECRET, hook_source, payload, post_hook
from tests.threads import join_all, start_all
from tickets.models import Ticket


def delivery(platform: str) -> tuple[bytes, dict]:
    if platform == "generic":
        raw = json.dumps(detractor_payload()).encode()
        return raw, {generic.SIGNATURE_HEADER: generic.sign(SECRET, raw)}
    if platform == "typeform":
        raw = json.dumps(payload("typeform_form_response")).encode()
        return raw, {typeform.SIGNATURE_HEADER: typeform.sign(SECRET, raw)}
    raw = json.dumps(payload("survicate_question_answered")).encode()
    return raw, {survicate.SIGNATURE_HEADER: survicate.sign(SECRET, raw)}


PLATFORMS = ["generic", "typeform", "survicate"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hooks_need_no_csrf_token(platform, survey):
    hook_source(platform, survey=survey)
    raw, headers = delivery(platform)
    answer = post_hook(
        Client(enforce_csrf_checks=True), f"/hooks/{platform}/{platform}-hook/", raw, headers
    )
    assert answer.status_code == 201, answer.json()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_unknown_source_is_404_for_every_platform(client, platform, survey):
    hook_source(platform, survey=survey)
    raw, headers = delivery(platform)
    answer = post_hook(client, f"/hooks/{platform}/unknown/", raw, headers)
    assert answer.status_code == 404
    assert list(answer.json()["errors"]) == ["source"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_body_too_big_is_413_before_the_signature_is_checked(client, platform, survey):
    hook_source(platform, survey=survey)
    raw = b'{"padding": "' + b"x" * 1_000_001 + b'"}'
    answer = post_hook(client, f"/hooks/{platform}/{platform}-hook/", raw, {})
    assert answer.status_code == 413
    assert answer.json()["code"] == "request_too_large"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_concurrent_retries_of_one_delivery_store_one_answer(platform):
    survey = SurveyFactory(slug="nps-2026")
    hook_source(platform, survey=survey)
    raw, headers = delivery(platform)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def send():
        try:
            barrier.wait(timeout=30)
            answer = post_hook(Client(), f"/hooks/{platform}/{platform}-hook/", raw, headers)
            statuses.append(answer.status_code)
        finally:
            connection.close()

    join_all(start_all([send] * 4), timeout=60)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Response.objects.count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_down_is_503_so_the_platform_retries(survey):
    """The database really unreachable (a closed port), not a stand-in for our code."""
    hook_source("typeform", survey=survey)
    raw, headers = delivery("typeform")
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        answer = post_hook(Client(), "/hooks/typeform/typeform-hook/", raw, headers)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable"
    assert Response.objects.count() == 0
