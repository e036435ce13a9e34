"""/hooks/formbricks/<source>/: Standard Webhooks signature; created → updated → finished.

The documented samples have no NPS question; the tests add an answer under the question id
the source names ("nps_q"), as Formbricks stores it (a number in data.data)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook

from intake.models import DeadLetter
from surveys.models import Response
from tests.intake.conftest import hook_source, payload, post_hook
from tickets.models import Ticket

URL = "/hooks/formbricks/formbricks-hook/"
SECRET = "whsec_" + base64.b64encode(b"formbricks-test-secret-32-bytes!").decode()
NOW = dt.datetime(2025, 7, 24, 7, 48, tzinfo=dt.UTC)
MAPPING = {"score_question": "nps_q", "comment_question": "why_q"}


@pytest.fixture
def formbricks_source(survey):
    source = hook_source("formbricks", survey=survey, mapping=MAPPING)
    source.webhook_secret = SECRET
    source.save()
    return source


def deliver(client, body, *, sent_at=NOW, secret=SECRET, msg_id="msg_1"):
    raw = json.dumps(body).encode()
    signature = Webhook(secret).sign(msg_id, sent_at, raw.decode())
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    return post_hook(client, URL, raw, headers)


def with_answers(name: str, **answers) -> dict:
    body = payload(name)
    body["data"]["data"].update(answers)
    return body


@time_machine.travel(NOW, tick=False)
def test_created_updated_finished_leave_one_answer_with_final_comment(client, formbricks_source):
    first = deliver(client, payload("formbricks_responseCreated"), msg_id="m1")
    assert first.status_code == 200 and first.json()["ignored"] is True  # no NPS answer yet
    second = deliver(client, with_answers("formbricks_responseUpdated", nps_q=4), msg_id="m2")
    assert second.status_code == 201, second.json()
    third = deliver(
        client,
        with_answers("formbricks_responseFinished", nps_q=4, why_q="Checkout kept failing"),
        msg_id="m3",
    )
    assert third.status_code == 200, third.json()
    stored = Response.objects.get()
    assert (stored.external_id, stored.score, stored.category) == ("responseId", 4, "detractor")
    assert stored.comment == "Checkout kept failing"
    assert stored.metadata["finished"] is True
    assert Ticket.objects.get().origin_response.comment == "Checkout kept failing"


@time_machine.travel(NOW, tick=False)
def test_stale_timestamp_is_401_and_leaves_no_trace(client, formbricks_source):
    body = with_answers("formbricks_responseFinished", nps_q=2)
    answer = deliver(client, body, sent_at=NOW - dt.timedelta(minutes=6))
    assert answer.status_code == 401
    assert (Response.objects.count(), DeadLetter.objects.count()) == (0, 0)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("secret", ["whsec_" + base64.b64encode(b"another-secret").decode()])
def test_forged_signature_is_401(client, formbricks_source, secret):
    answer = deliver(client, with_answers("formbricks_responseFinished", nps_q=2), secret=secret)
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == ["webhook-signature"]
    assert Response.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_missing_headers_are_401_naming_them(client, formbricks_source):
    answer = post_hook(client, URL, payload("formbricks_responseFinished"), {})
    assert answer.status_code == 401
    assert list(answer.json()["errors"]) == ["webhook-id"]


@time_machine.travel(NOW, tick=False)
def test_finished_without_the_named_question_is_a_dead_letter(client, formbricks_source):
    answer = deliver(client, payload("formbricks_responseFinished"))
    assert answer.status_code == 202
    assert list(DeadLetter.objects.get().reason) == ["data.data.nps_q"]


@time_machine.travel(NOW, tick=False)
def test_string_score_is_cast(client, formbricks_source):
    assert (
        deliver(client, with_answers("formbricks_responseFinished", nps_q="9")).status_code == 201
    )
    assert Response.objects.get().category == "promoter"


@time_machine.travel(NOW, tick=False)
def test_retried_older_update_does_not_overwrite_the_finished_answer(client, formbricks_source):
    """responseUpdated (3) first failed with a 503; responseFinished (9) was stored; the
    platform's retry of the update must not put 3 back nor open a ticket."""
    updated = with_answers("formbricks_responseUpdated", nps_q=3)
    finished = with_answers("formbricks_responseFinished", nps_q=9, why_q="All good now")
    assert deliver(client, finished, msg_id="m3").status_code == 201
    retry = deliver(client, updated, msg_id="m2")
    assert retry.status_code == 200, retry.json()
    stored = Response.objects.get()
    assert (stored.score, stored.category, stored.comment) == (9, "promoter", "All good now")
    assert stored.metadata["event"] == "responseFinished"
    assert Ticket.objects.count() == 0
