"""Qualtrics and SurveyMonkey: the notification carries ids only; the answer is fetched from
the platform's API (a local HTTP server here), retried with backoff while that API is down."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import pytest

from intake.fetching import pending_fetch_process, pending_fetches_due
from intake.models import DeadLetter, PendingFetch
from intake.platforms import qualtrics, surveymonkey
from surveys.models import Response
from tests.intake.conftest import PAYLOADS, hook_source, payload
from tests.intake.platform_api import (
    TOKEN,
    PlatformApi,
    qualtrics_response,
    surveymonkey_details,
    surveymonkey_survey,
)
from tickets.models import Ticket

QUALTRICS_KEY = "kyma4ever"
SM_SECRET = "sm-api-key&sm-api-secret"
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def api():
    with PlatformApi() as server:
        yield server


def source_for(platform, survey, api, secret, mapping):
    source = hook_source(
        platform, survey=survey, mapping=mapping, api_base=api.base, api_token=TOKEN
    )
    source.webhook_secret = secret
    source.save()
    return source


def qualtrics_body() -> bytes:
    return (PAYLOADS / "qualtrics_completedResponse.form-urlencoded.txt").read_bytes().strip()


def post_form(client, url, raw: bytes):
    return client.generic("POST", url, raw, content_type="application/x-www-form-urlencoded")


def test_qualtrics_documented_test_vector():
    msg = (
        '{"Status":"Complete","SurveyID":"SV_1AmkKSDmoZ4XlQx","ResponseID":"R_0B7IcnXszjEUHLP",'
        '"CompletedDate":"2019-06-25 07:58:25","BrandID":"sapdevelopment"}'
    )
    assert qualtrics.sign(QUALTRICS_KEY, msg) == (
        "c2c585a404c239aa3063b462cc33551d3ed3ed2de0899f58d456fc0ef7ebef6f3c3af44957989bd0592603e4"
        "1edde9528f7d9ed09ee128bf719aa12f46e5c598"
    )


def test_qualtrics_sample_is_fetched_and_survives_an_outage(client, survey, api):
    source_for(
        "qualtrics",
        survey,
        api,
        QUALTRICS_KEY,
        {"score_question": "QID1", "comment_question": "QID2_TEXT"},
    )
    api.routes["/API/v3/surveys/SV_22VlHYNeldrrrkp/responses/R_1l9mcVuXubb4aGm"] = (
        qualtrics_response("R_1l9mcVuXubb4aGm", 3, "Nobody called back")
    )
    answer = post_form(client, "/hooks/qualtrics/qualtrics-hook/", qualtrics_body())
    assert answer.status_code == 202, answer.json()
    fetch = PendingFetch.objects.get()
    assert fetch.response_id == "R_1l9mcVuXubb4aGm"
    assert Response.objects.count() == 0

    api.down = True
    for attempt, delay in enumerate((30, 60, 120), start=1):
        fetch = pending_fetch_process(fetch_id=fetch.pk, now=NOW)
        assert (fetch.status, fetch.attempts) == ("pending", attempt)
        assert fetch.next_attempt_at == NOW + dt.timedelta(seconds=delay)
        assert "503" in fetch.last_error
    assert pending_fetches_due(now=NOW) == []
    assert pending_fetches_due(now=NOW + dt.timedelta(days=1)) == [fetch.pk]

    api.down = False
    fetch = pending_fetch_process(fetch_id=fetch.pk, now=NOW + dt.timedelta(days=1))
    assert fetch.status == "done"
    stored = Response.objects.select_related("customer").get()
    assert (stored.external_id, stored.score, stored.category) == (
        "R_1l9mcVuXubb4aGm",
        3,
        "detractor",
    )
    assert stored.comment == "Nobody called back"
    assert stored.customer.external_id == "CRM-881"
    assert stored.customer.email == "anna@example.com"
    assert Ticket.objects.get().origin_response == stored
    assert api.requests[-1][1]["x-api-token"] == TOKEN


def test_qualtrics_forged_hmac_is_401_and_leaves_no_trace(client, survey, api):
    source_for("qualtrics", survey, api, "another-key", {"score_question": "QID1"})
    answer = post_form(client, "/hooks/qualtrics/qualtrics-hook/", qualtrics_body())
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == ["HMAC"]
    assert (PendingFetch.objects.count(), DeadLetter.objects.count()) == (0, 0)


def test_qualtrics_tampered_msg_is_401(client, survey, api):
    source_for("qualtrics", survey, api, QUALTRICS_KEY, {"score_question": "QID1"})
    raw = qualtrics_body().replace(b"R_1l9mcVuXubb4aGm", b"R_0000000000000000")
    assert post_form(client, "/hooks/qualtrics/qualtrics-hook/", raw).status_code == 401
    assert PendingFetch.objects.count() == 0


def test_qualtrics_repeated_notification_keeps_one_fetch(client, survey, api):
    source_for("qualtrics", survey, api, QUALTRICS_KEY, {"score_question": "QID1"})
    for _ in range(2):
        assert (
            post_form(client, "/hooks/qualtrics/qualtrics-hook/", qualtrics_body()).status_code
            == 202
        )
    assert PendingFetch.objects.count() == 1


def test_qualtrics_answer_without_the_named_question_goes_to_dead_letters(client, survey, api):
    source_for("qualtrics", survey, api, QUALTRICS_KEY, {"score_question": "QID9"})
    api.routes["/API/v3/surveys/SV_22VlHYNeldrrrkp/responses/R_1l9mcVuXubb4aGm"] = (
        qualtrics_response("R_1l9mcVuXubb4aGm", 3, "")
    )
    post_form(client, "/hooks/qualtrics/qualtrics-hook/", qualtrics_body())
    fetch = pending_fetch_process(fetch_id=PendingFetch.objects.get().pk, now=NOW)
    assert fetch.status == "dead"
    assert list(DeadLetter.objects.get().reason) == ["result.values.QID9"]


@pytest.mark.parametrize(
    "name", ["surveymonkey_response_completed", "surveymonkey_response_completed_survey_filter"]
)
def test_surveymonkey_samples_are_fetched(client, survey, api, name):
    source_for("surveymonkey", survey, api, SM_SECRET, {"score_question": "319352786"})
    api.routes["/v3/surveys/123456789/responses/123456/details"] = surveymonkey_details()
    api.routes["/v3/surveys/123456789/details"] = surveymonkey_survey("319352786", "3057839051", 6)
    raw = (PAYLOADS / f"{name}.json").read_bytes()
    answer = client.generic(
        "POST",
        "/hooks/surveymonkey/surveymonkey-hook/",
        raw,
        content_type="application/vnd.surveymonkey.response.v1+json",
        headers={"Sm-Signature": surveymonkey.sign(SM_SECRET, raw), "Sm-Apikey": "sm-api-key"},
    )
    assert answer.status_code == 202, answer.json()
    fetch = pending_fetch_process(fetch_id=PendingFetch.objects.get().pk, now=NOW)
    assert fetch.status == "done", fetch.last_error
    stored = Response.objects.get()
    assert (stored.external_id, stored.score, stored.category) == ("123456", 6, "detractor")
    assert stored.metadata["custom_variables"] == {"custvar_1": "one", "custvar_2": "two"}
    assert api.requests[0][1]["authorization"] == f"Bearer {TOKEN}"


def test_surveymonkey_forged_signature_is_401(client, survey, api):
    source_for("surveymonkey", survey, api, SM_SECRET, {"score_question": "319352786"})
    raw = json.dumps(payload("surveymonkey_response_completed")).encode()
    answer = client.generic(
        "POST",
        "/hooks/surveymonkey/surveymonkey-hook/",
        raw,
        content_type="application/json",
        headers={"Sm-Signature": surveymonkey.sign("key&other", raw)},
    )
    assert answer.status_code == 401
    assert (PendingFetch.objects.count(), DeadLetter.objects.count()) == (0, 0)


def test_surveymonkey_head_check_of_the_url_is_200(client, survey, api):
    source_for("surveymonkey", survey, api, SM_SECRET, {})
    assert client.head("/hooks/surveymonkey/surveymonkey-hook/").status_code == 200


def test_qualtrics_sample_msg_matches_its_decoded_view():
    form = parse_qs(qualtrics_body().decode())
    decoded = json.loads((PAYLOADS / "qualtrics_completedResponse.decoded.json").read_text())
    assert json.loads(form["MSG"][0]) == decoded["MSG_parsed"]


def test_the_celery_task_fetches_a_pending_answer(client, survey, api):
    from intake.tasks import pending_fetch_run, pending_fetches_run

    source_for("qualtrics", survey, api, QUALTRICS_KEY, {"score_question": "QID1"})
    api.routes["/API/v3/surveys/SV_22VlHYNeldrrrkp/responses/R_1l9mcVuXubb4aGm"] = (
        qualtrics_response("R_1l9mcVuXubb4aGm", 9, "")
    )
    post_form(client, "/hooks/qualtrics/qualtrics-hook/", qualtrics_body())
    fetch = PendingFetch.objects.get()
    pending_fetch_run.apply(args=(fetch.pk,))
    fetch.refresh_from_db()
    assert fetch.status == "done"
    assert Response.objects.get().category == "promoter"
    pending_fetches_run.apply()  # nothing due: nothing fetched again
    assert len(api.requests) == 1
