"""Wootric and AskNicely: no signature; the source's token in the URL path or a static header."""

from __future__ import annotations

import pytest

from intake.models import DeadLetter
from surveys.models import Response
from tests.intake.conftest import SECRET, hook_source, payload, post_hook
from tickets.models import Ticket


@pytest.fixture
def wootric_source(survey):
    return hook_source("wootric", survey=survey)


@pytest.fixture
def asknicely_source(survey):
    return hook_source("asknicely", survey=survey)


def test_wootric_sample_with_token_in_the_path(client, wootric_source):
    answer = post_hook(
        client, f"/hooks/wootric/wootric-hook/{SECRET}/", payload("wootric_response_created")
    )
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get()
    assert (stored.external_id, stored.score, stored.category) == ("1128", 7, "passive")
    assert stored.customer.external_id == "123abc"
    assert stored.customer.email == "nps@example.com"
    assert stored.responded_at.isoformat() == "2016-08-04T20:57:26.558000+00:00"


def test_wootric_string_score_is_cast_and_detractor_opens_a_ticket(client, wootric_source):
    body = payload("wootric_response_created")
    body["response"].update(score="2", text="Too slow")
    answer = post_hook(
        client, "/hooks/wootric/wootric-hook/", body, {"Authorization": f"Bearer {SECRET}"}
    )
    assert answer.status_code == 201, answer.json()
    assert Ticket.objects.get().origin_response.comment == "Too slow"


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/hooks/wootric/wootric-hook/", {}),
        ("/hooks/wootric/wootric-hook/wrong-token/", {}),
        ("/hooks/wootric/wootric-hook/", {"Authorization": "Bearer wrong"}),
        ("/hooks/wootric/wootric-hook/", {"X-Webhook-Token": SECRET[:-1]}),
    ],
)
def test_missing_or_wrong_token_is_401_and_leaves_no_trace(client, wootric_source, url, headers):
    answer = post_hook(client, url, payload("wootric_response_created"), headers)
    assert answer.status_code == 401
    assert (Response.objects.count(), DeadLetter.objects.count()) == (0, 0)


def test_asknicely_sample_with_string_score_and_header_token(client, asknicely_source):
    answer = post_hook(
        client,
        "/hooks/asknicely/asknicely-hook/",
        payload("asknicely_response"),
        {"X-Webhook-Token": SECRET},
    )
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get()
    assert (stored.external_id, stored.score, stored.category) == ("345094", 10, "promoter")
    assert stored.comment == "The gym was great, love it!"
    assert stored.customer.email == "tester@asknice.ly"
    assert stored.customer.segment == "general"
    assert stored.responded_at.timestamp() == 1774990125


def test_asknicely_update_with_count_2_changes_the_one_answer(client, asknicely_source):
    url = f"/hooks/asknicely/asknicely-hook/{SECRET}/"
    post_hook(client, url, payload("asknicely_response"))
    body = payload("asknicely_response")
    body["count"] = 2
    body["question"].update(score="4", comment="Changed my mind: the showers are broken")
    answer = post_hook(client, url, body)
    assert answer.status_code == 200, answer.json()
    stored = Response.objects.get()
    assert (stored.score, stored.category) == (4, "detractor")
    assert stored.comment.startswith("Changed my mind")
    assert Ticket.objects.get().origin_response == stored


def test_asknicely_unreadable_score_is_a_dead_letter(client, asknicely_source):
    body = payload("asknicely_response")
    body["question"]["score"] = "ten"
    answer = post_hook(client, f"/hooks/asknicely/asknicely-hook/{SECRET}/", body)
    assert answer.status_code == 202
    assert list(DeadLetter.objects.get().reason) == ["question.score"]


def test_wootric_url_encoded_variant(client, wootric_source):
    """docs.wootric.com/webhooks also shows the form-encoded body (`response[score]=7&…`)."""
    raw = (
        b"response%5Bid%5D=1129&response%5Bscore%5D=4&response%5Btext%5D=Slow+support"
        b"&response%5Bemail%5D=nps%40example.com&response%5Bcreated_at%5D=2016-08-04T13%3A57%3A26"
        b".558-07%3A00&event_name=created&survey_mode=NPS"
    )
    answer = client.generic(
        "POST",
        f"/hooks/wootric/wootric-hook/{SECRET}/",
        raw,
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.get()
    assert (stored.external_id, stored.score, stored.comment) == ("1129", 4, "Slow support")


def test_asknicely_lower_count_after_a_higher_one_changes_nothing(client, asknicely_source):
    url = f"/hooks/asknicely/asknicely-hook/{SECRET}/"
    first = payload("asknicely_response")  # count 1, score 10
    first["question"].update(score="3", comment="Showers broken")
    second = payload("asknicely_response")
    second["count"] = 2
    assert post_hook(client, url, second).status_code == 201
    late = post_hook(client, url, first)
    assert late.status_code == 200, late.json()
    stored = Response.objects.get()
    assert (stored.score, stored.comment) == (10, "The gym was great, love it!")
    assert Ticket.objects.count() == 0


def test_wootric_older_updated_at_changes_nothing(client, wootric_source):
    url = f"/hooks/wootric/wootric-hook/{SECRET}/"
    newer = payload("wootric_response_created")  # score 7, updated_at 2016-08-04T13:57:26
    newer["response"]["updated_at"] = "2016-08-04T14:30:00.000-07:00"
    older = payload("wootric_response_created")
    older["response"].update(score=2, text="Terrible")
    assert post_hook(client, url, newer).status_code == 201
    assert post_hook(client, url, older).status_code == 200
    stored = Response.objects.get()
    assert (stored.score, stored.category) == (7, "passive")
    assert Ticket.objects.count() == 0
