import json

from surveys.models import Response
from tests.factories import detractor_payload

BULK = "/api/v1/responses/bulk/"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_bulk_keeps_good_items_and_reports_bad_ones_in_order(ingest_api, survey):
    items = [
        detractor_payload(external_id="a", score=2),
        detractor_payload(external_id="b", score="2"),
        detractor_payload(external_id="c", score=10),
        detractor_payload(external_id="a", score=2),
        detractor_payload(external_id="a", score=5),
        "not an object",
    ]
    answer = post(ingest_api, BULK, items)
    assert answer.status_code == 200
    body = answer.json()
    assert [r["index"] for r in body["results"]] == list(range(6))
    assert [r["status"] for r in body["results"]] == [
        "created",
        "error",
        "created",
        "duplicate",
        "error",
        "error",
    ]
    assert "score" in body["results"][1]["errors"]
    assert "score" in body["results"][4]["errors"]  # conflict with the stored score
    assert body["results"][0]["ticket"] is not None
    assert body["results"][3]["id"] == body["results"][0]["id"]
    assert (body["created"], body["duplicates"], body["errors"]) == (2, 1, 3)
    assert set(Response.objects.values_list("external_id", flat=True)) == {"a", "c"}


def test_bulk_accepts_an_object_with_responses(ingest_api, survey):
    answer = post(ingest_api, BULK, {"responses": [detractor_payload()]})
    assert answer.json()["results"][0]["status"] == "created"


def test_bulk_over_a_thousand_items_is_refused_whole(ingest_api, survey):
    items = [detractor_payload(external_id=f"r{i}", comment="") for i in range(1001)]
    answer = post(ingest_api, BULK, items)
    assert answer.status_code == 400
    assert "1000" in answer.json()["detail"].replace(",", "")
    assert Response.objects.count() == 0


def test_bulk_that_is_not_a_list_is_refused(ingest_api, survey):
    answer = post(ingest_api, BULK, detractor_payload())
    assert answer.status_code == 400
    assert "responses" in answer.json()["errors"]


def test_bulk_needs_credentials(api, survey):
    assert post(api, BULK, [detractor_payload()]).status_code == 401


def test_list_filters_by_category_survey_customer_and_time(ingest_api, admin_api, survey):
    post(
        ingest_api,
        BULK,
        [
            detractor_payload(external_id="d1", score=1, responded_at="2026-11-01T10:00:00Z"),
            detractor_payload(external_id="p1", score=9, responded_at="2026-11-10T10:00:00Z"),
            detractor_payload(external_id="n1", score=7, responded_at="2026-11-15T10:00:00Z"),
        ],
    )
    url = "/api/v1/responses/"
    detractors = admin_api.get(url, {"category": "detractor"}).json()["results"]
    assert [r["external_id"] for r in detractors] == ["d1"]
    window = admin_api.get(url, {"since": "2026-11-05T00:00:00Z", "until": "2026-11-14T00:00:00Z"})
    assert [r["external_id"] for r in window.json()["results"]] == ["p1"]
    everything = admin_api.get(url, {"survey": "nps-2026"}).json()
    assert everything["count"] == 3
    customer = everything["results"][0]["customer"]["id"]
    assert admin_api.get(url, {"customer": customer}).json()["count"] == 3
    assert admin_api.get(url, {"survey": "other"}).json()["count"] == 0


def test_list_bad_filter_is_a_400_naming_it(admin_api, survey):
    answer = admin_api.get("/api/v1/responses/", {"category": "angry", "since": "soon"})
    assert answer.status_code == 400
    assert {"category", "since"} <= set(answer.json()["errors"])


def test_list_is_not_for_anonymous(api, survey):
    assert api.get("/api/v1/responses/").status_code == 401


def test_list_is_not_for_source_keys(ingest_api, survey):
    assert ingest_api.get("/api/v1/responses/").status_code == 403


def test_list_accepts_extreme_offsets_and_extreme_ids_without_a_server_error(admin_api, survey):
    # Found by the fuzzer: PostgreSQL refuses offsets beyond ±15:59.
    for params in (
        {"until": "1949-06-19T05:31:40.7-22:38"},
        {"since": "2058-11-09T10:00:11.0+23:59"},
        {"customer": "99999999999999999999999"},
        {"page": "abc"},
        {"page_size": "-5"},
    ):
        answer = admin_api.get("/api/v1/responses/", params)
        assert answer.status_code in (200, 400, 404), (params, answer.content[:200])
