"""Fetching announced answers when things go wrong: a refusal (401/403/404) is final and
goes to the dead letters, a busy or down API is retried, one broken fetch never stops the
sweep, and a fetch already being run elsewhere is left alone."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from intake.fetching import pending_fetch_process
from intake.models import DeadLetter, PendingFetch
from intake.platforms.base import FetchRefused
from surveys.models import Response
from tests.intake.platform_api import TOKEN, PlatformApi, qualtrics_response
from tests.intake.test_webhook_fetched import (
    QUALTRICS_KEY,
    post_form,
    qualtrics_body,
    source_for,
)

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
ROUTE = "/API/v3/surveys/SV_22VlHYNeldrrrkp/responses/R_1l9mcVuXubb4aGm"


@pytest.fixture
def api():
    with PlatformApi() as server:
        yield server


@pytest.fixture
def announced(client, survey, api):
    """The documented Qualtrics notification, received: one fetch waiting."""
    source_for("qualtrics", survey, api, QUALTRICS_KEY, {"score_question": "QID1"})
    api.routes[ROUTE] = qualtrics_response("R_1l9mcVuXubb4aGm", 3, "Nobody called back")
    assert (
        post_form(client, "/hooks/qualtrics/qualtrics-hook/", qualtrics_body()).status_code == 202
    )
    return PendingFetch.objects.get()


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refusal_is_final_and_goes_to_the_dead_letters(announced, api, status):
    api.status = status
    fetch = pending_fetch_process(fetch_id=announced.pk, now=NOW)
    assert (fetch.status, fetch.attempts) == ("dead", 1)
    assert str(status) in fetch.last_error
    letter = DeadLetter.objects.get()
    assert list(letter.reason) == ["api"]
    assert str(status) in " ".join(letter.reason["api"])


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_busy_or_down_is_retried(announced, api, status):
    api.status = status
    fetch = pending_fetch_process(fetch_id=announced.pk, now=NOW)
    assert (fetch.status, fetch.attempts) == ("pending", 1)
    assert fetch.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert DeadLetter.objects.count() == 0


def test_a_wrong_token_is_a_refusal(announced, api):
    from intake.models import WebhookSettings

    WebhookSettings.objects.filter(source=announced.source).update(api_token=TOKEN + "x")
    assert pending_fetch_process(fetch_id=announced.pk, now=NOW).status == "dead"


def test_one_broken_fetch_does_not_stop_the_sweep(announced, api, survey):
    from intake.tasks import pending_fetches_run

    broken = PendingFetch.objects.create(
        source=announced.source,
        platform="qualtrics",
        response_id="R_broken",
        request={"response_id": "R_broken"},  # no survey_id: the adapter fails unexpectedly
        next_attempt_at=NOW - dt.timedelta(hours=1),  # due first
    )
    PendingFetch.objects.filter(pk=announced.pk).update(next_attempt_at=NOW)
    pending_fetches_run.apply()
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == ("pending", 1)
    assert broken.last_error
    assert broken.next_attempt_at > dt.datetime.now(dt.UTC)  # pushed back, not first again
    assert PendingFetch.objects.get(pk=announced.pk).status == "done"
    assert Response.objects.get().external_id == "R_1l9mcVuXubb4aGm"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_fetch_locked_by_another_worker_is_skipped(api):
    from django.test import Client

    from tests.factories import SurveyFactory

    survey = SurveyFactory(slug="nps-2026")
    source_for("qualtrics", survey, api, QUALTRICS_KEY, {"score_question": "QID1"})
    api.routes[ROUTE] = qualtrics_response("R_1l9mcVuXubb4aGm", 3, "Nobody called back")
    post_form(Client(), "/hooks/qualtrics/qualtrics-hook/", qualtrics_body())
    fetch_id = PendingFetch.objects.get().pk
    api.requests.clear()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                PendingFetch.objects.select_for_update().get(pk=fetch_id)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert locked.wait(10)
        fetch = pending_fetch_process(fetch_id=fetch_id, now=NOW)
    finally:
        release.set()
        worker.join()
    assert (fetch.status, fetch.attempts) == ("pending", 0)
    assert api.requests == []
    assert Response.objects.count() == 0


def test_a_redirect_to_another_host_does_not_carry_the_token(api):
    from intake.fetching import http_get_json

    with PlatformApi() as elsewhere:
        elsewhere.routes["/moved"] = {"ok": True}
        # "localhost" is another origin than 127.0.0.1 for the redirect rules
        other = elsewhere.base.replace("127.0.0.1", "localhost")
        api.redirects["/old"] = f"{other}/moved"
        with pytest.raises(FetchRefused):  # without the token the other host says 401
            http_get_json(f"{api.base}/old", {"X-API-TOKEN": TOKEN, "Authorization": "Bearer x"})
        sent = elsewhere.requests[0][1]
        assert "x-api-token" not in sent and "authorization" not in sent


def test_a_redirect_on_the_same_host_keeps_the_token(api):
    from intake.fetching import http_get_json

    api.routes["/moved"] = {"ok": True}
    api.redirects["/old"] = f"{api.base}/moved"
    assert http_get_json(f"{api.base}/old", {"X-API-TOKEN": TOKEN}) == {"ok": True}


def _surveymonkey_fetch(survey_details: dict):
    from intake.platforms import surveymonkey
    from intake.platforms.base import Context
    from tests.intake.platform_api import surveymonkey_details

    def get_json(url, headers):
        return (
            survey_details
            if url.endswith("/v3/surveys/123456789/details")
            else (surveymonkey_details())
        )

    context = Context(
        secret="s", mapping={"score_question": "319352786"}, api_base="http://x", api_token="t"
    )
    request = {"survey_id": "123456789", "response_id": "123456"}
    return surveymonkey.fetch_items(request=request, context=context, get_json=get_json)


def test_surveymonkey_labelled_0_to_10_scale_is_read_by_position():
    from tests.intake.platform_api import surveymonkey_survey

    details = surveymonkey_survey("319352786", "3057839051", 6)
    choices = details["pages"][0]["questions"][0]["answers"]["choices"]
    for choice in choices:
        choice["text"] = f"{choice['position'] - 1} - label"
    assert _surveymonkey_fetch(details)[0].item["score"] == 6


def test_surveymonkey_choice_on_a_short_scale_is_not_taken_by_position():
    """A 1–5 rating's third choice is not an NPS 2: without 11 choices, no position rule."""
    from intake.platforms.base import PayloadInvalid

    details = {
        "pages": [
            {
                "questions": [
                    {
                        "id": "319352786",
                        "answers": {
                            "choices": [
                                {
                                    "id": "3057839051" if n == 3 else f"9{n}",
                                    "text": "",
                                    "position": n,
                                }
                                for n in range(1, 6)
                            ]
                        },
                    }
                ]
            }
        ]
    }
    with pytest.raises(PayloadInvalid):
        _surveymonkey_fetch(details)
