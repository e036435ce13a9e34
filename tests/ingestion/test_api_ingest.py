"""POST /api/v1/responses/ as a customer's system uses it."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from surveys.models import Customer, Response
from tests.factories import SurveyFactory, UserFactory, answer_day, detractor_payload
from tickets.models import Ticket

URL = "/api/v1/responses/"


def post(client, body, **kwargs):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **kwargs)


def test_detractor_answer_is_stored_and_opens_a_ticket(ingest_api, survey):
    answer = post(ingest_api, detractor_payload())
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["category"] == "detractor"
    assert body["duplicate"] is False
    assert body["customer"]["email"] == "anna@example.com"
    assert body["ticket"]["reference"].startswith("FD-")
    assert body["ticket"]["status"] == "new"
    assert Ticket.objects.get().origin_response_id == body["id"]
    # the offset the customer's system sent is kept as the same instant, in UTC
    stored = Response.objects.get()
    assert stored.metadata == {"order_id": "A-77"}


def test_promoter_answer_opens_no_ticket(ingest_api, survey):
    answer = post(ingest_api, detractor_payload(score=9))
    assert answer.status_code == 201
    assert answer.json()["category"] == "promoter"
    assert answer.json()["ticket"] is None
    assert Ticket.objects.count() == 0


def test_thresholds_come_from_the_survey(ingest_api):
    SurveyFactory(slug="csat", scale_min=1, scale_max=5, detractor_max=2, passive_max=3)
    assert post(ingest_api, detractor_payload(survey="csat", score=2)).json()["category"] == (
        "detractor"
    )
    second = post(ingest_api, detractor_payload(survey="csat", score=4, external_id="x2"))
    assert second.json()["category"] == "promoter"


def test_replay_returns_the_stored_answer_and_creates_nothing(ingest_api, survey):
    first = post(ingest_api, detractor_payload()).json()
    again = post(ingest_api, detractor_payload())
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first["id"]
    assert again.json()["ticket"]["id"] == first["ticket"]["id"]
    assert Response.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_replay_with_another_score_is_a_conflict(ingest_api, survey):
    post(ingest_api, detractor_payload(score=3))
    answer = post(ingest_api, detractor_payload(score=4))
    assert answer.status_code == 409
    assert "score" in answer.json()["errors"]
    assert Response.objects.get().score == 3


def test_same_external_id_from_another_source_is_a_new_answer(api, survey, source_key, admin_user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    assert post(api, detractor_payload()).status_code == 201
    api.credentials()
    api.force_authenticate(admin_user)
    answer = post(api, detractor_payload())
    assert answer.status_code == 201
    assert answer.json()["source"] == "api"


def test_a_later_detractor_answer_attaches_to_the_open_ticket(ingest_api, survey):
    first = post(ingest_api, detractor_payload()).json()
    second = post(ingest_api, detractor_payload(external_id="resp-2", score=1)).json()
    assert second["ticket"]["id"] == first["ticket"]["id"]
    ticket = Ticket.objects.get()
    assert ticket.responses.count() == 2
    assert ticket.events.filter(kind="response_attached").count() == 1


def test_customer_is_found_by_email_when_external_id_is_missing(ingest_api, survey):
    post(ingest_api, detractor_payload())
    body = detractor_payload(external_id="resp-2")
    body["customer"] = {"email": "ANNA@example.com"}
    answer = post(ingest_api, body).json()
    assert Customer.objects.count() == 1
    assert answer["customer"]["external_id"] == "cust-42"


def test_customer_details_are_updated_with_what_is_sent(ingest_api, survey):
    post(ingest_api, detractor_payload())
    body = detractor_payload(external_id="resp-2", score=9)
    body["customer"] = {"external_id": "cust-42", "phone": "+7 900 111-22-33", "name": ""}
    post(ingest_api, body)
    customer = Customer.objects.get()
    assert customer.phone == "+7 900 111-22-33"
    assert customer.name == "Anna Petrova"  # an empty value does not erase


def test_numeric_external_ids_are_accepted_as_text(ingest_api, survey):
    body = detractor_payload(external_id=123)
    body["customer"]["external_id"] = 42
    answer = post(ingest_api, body)
    assert answer.status_code == 201
    assert answer.json()["external_id"] == "123"
    assert answer.json()["customer"]["external_id"] == "42"


def test_responded_at_defaults_to_now_and_is_stored_in_utc(ingest_api, survey):
    day = answer_day().isoformat()
    body = detractor_payload(responded_at=f"{day}T09:15:00+03:00")
    answer = post(ingest_api, body).json()
    assert answer["responded_at"].startswith(f"{day}T06:15:00")
    body = detractor_payload(external_id="r-2")
    del body["responded_at"]
    stored = post(ingest_api, body).json()
    delta = timezone.now() - dt.datetime.fromisoformat(stored["responded_at"])
    assert abs(delta.total_seconds()) < 60


@pytest.mark.parametrize(
    "change, field",
    [
        ({"score": "5"}, "score"),
        ({"score": 5.0}, "score"),
        ({"score": 4.5}, "score"),
        ({"score": True}, "score"),
        ({"score": None}, "score"),
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"survey": "no-such-survey"}, "survey"),
        ({"survey": {"slug": "nps-2026"}}, "survey"),
        ({"comment": {"text": "x"}}, "comment"),
        ({"comment": 12}, "comment"),
        ({"comment": "x" * 10_001}, "comment"),
        ({"channel": ["email"]}, "channel"),
        ({"customer": "anna@example.com"}, "customer"),
        ({"customer": {"name": "Anna"}}, "customer.external_id"),
        ({"customer": {"email": "not-an-email"}}, "customer.email"),
        ({"customer": {"email": "a@example.com", "name": {"first": "A"}}}, "customer.name"),
        (
            {"customer": {"email": "a@example.com", "time_zone": "Mars/Olympus"}},
            "customer.time_zone",
        ),
        (
            {"customer": {"email": "a@example.com", "preferred_channel": "fax"}},
            "customer.preferred_channel",
        ),
        ({"metadata": ["order", "A-77"]}, "metadata"),
        ({"metadata": "A-77"}, "metadata"),
        ({"metadata": {"k\u0000": "v"}}, "metadata"),
        ({"metadata": {"k": ["\ud800"]}}, "metadata"),
        ({"comment": "late\u0000"}, "comment"),
        ({"comment": "bad \udc00 text"}, "comment"),
        ({"external_id": "r\u0000"}, "external_id"),
        ({"external_id": {"id": 1}}, "external_id"),
        ({"external_id": True}, "external_id"),
        ({"responded_at": "yesterday"}, "responded_at"),
        ({"responded_at": 1763629500}, "responded_at"),
        ({"responded_at": f"{answer_day()}T09:15:00"}, "responded_at"),  # naive
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(ingest_api, survey, change, field):
    body = detractor_payload()
    body.update(change)
    answer = post(ingest_api, body)
    assert answer.status_code == 400, answer.content
    payload = answer.json()
    assert field in payload["errors"], payload
    assert field.split(".")[-1] in payload["detail"]
    assert Response.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_missing_score_is_named(ingest_api, survey):
    body = detractor_payload()
    del body["score"]
    answer = post(ingest_api, body)
    assert answer.status_code == 400
    assert answer.json()["errors"]["score"] == ["This field is required."]


def test_answer_from_the_future_is_refused(ingest_api, survey):
    later = (timezone.now() + dt.timedelta(minutes=10)).isoformat()
    answer = post(ingest_api, detractor_payload(responded_at=later))
    assert answer.status_code == 400
    assert "future" in answer.json()["errors"]["responded_at"][0]
    soon = (timezone.now() + dt.timedelta(minutes=2)).isoformat()
    assert post(ingest_api, detractor_payload(responded_at=soon)).status_code == 201


def test_inactive_survey_is_refused(ingest_api, survey):
    survey.is_active = False
    survey.save()
    answer = post(ingest_api, detractor_payload())
    assert answer.status_code == 400
    assert "not active" in answer.json()["errors"]["survey"][0]


def test_body_that_is_not_an_object_is_refused(ingest_api, survey):
    answer = post(ingest_api, [detractor_payload()])
    assert answer.status_code == 400
    assert answer.json()["errors"]


def test_malformed_json_is_a_400(ingest_api, survey):
    answer = ingest_api.post(URL, data='{"survey": "nps-2026",', content_type="application/json")
    assert answer.status_code == 400
    assert "JSON" in answer.json()["detail"]


def test_wrong_content_type_is_a_415(ingest_api, survey):
    answer = ingest_api.post(URL, data="survey=nps-2026&score=3", content_type="text/plain")
    assert answer.status_code == 415
    assert "text/plain" in answer.json()["detail"]


def test_body_over_one_megabyte_is_a_413(ingest_api, survey):
    body = detractor_payload(comment="x" * 1_100_000)
    answer = post(ingest_api, body)
    assert answer.status_code == 413
    assert "limit" in answer.json()["detail"]
    assert Response.objects.count() == 0


def test_missing_credentials_are_a_401(api, survey):
    answer = post(api, detractor_payload())
    assert answer.status_code == 401
    assert answer.json()["detail"]


def test_wrong_source_key_is_a_401(api, survey, source_key):
    api.credentials(HTTP_AUTHORIZATION="Bearer fds_wrong-key-entirely")
    assert post(api, detractor_payload()).status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer")
    assert post(api, detractor_payload()).status_code == 401


def test_key_with_a_real_prefix_but_the_wrong_rest_is_a_401(api, survey, source_key):
    """The stored prefix only finds the candidate; the whole key must match its hash."""
    tail = "".join("a" if c != "a" else "b" for c in source_key[12:])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key[:12]}{tail}")
    assert post(api, detractor_payload()).status_code == 401
    assert Response.objects.count() == 0
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    assert post(api, detractor_payload()).status_code == 201  # the real key still works


def test_inactive_source_key_is_a_401(api, survey, source, source_key):
    source.is_active = False
    source.save()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    assert post(api, detractor_payload()).status_code == 401


def test_wrong_user_token_is_a_401(api, survey):
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert post(api, detractor_payload()).status_code == 401


def test_user_without_permission_is_a_403(api, survey):
    from accounts.api_tokens import api_token_create

    _token, key = api_token_create(user=UserFactory())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    answer = post(api, detractor_payload())
    assert answer.status_code == 403
    assert Response.objects.count() == 0


def test_admin_token_may_ingest(api, survey, admin_user):
    from accounts.api_tokens import api_token_create

    _token, key = api_token_create(user=admin_user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert post(api, detractor_payload()).status_code == 201


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+03:00", "0001-01-01T00:00:00Z"])
def test_answer_before_the_calendar_starts_is_refused_not_a_500(ingest_api, survey, moment):
    # +03:00 on 1 January of year 1 is before 0001-01-01 UTC: no datetime can hold it
    answer = post(ingest_api, detractor_payload(responded_at=moment))
    if moment.endswith("Z"):
        assert answer.status_code == 201  # the first moment there is, still an answer
    else:
        assert answer.status_code == 400
        assert "out of range" in answer.json()["errors"]["responded_at"][0].lower()
