import pytest

from tests.factories import detractor_payload

pytestmark = pytest.mark.django_db


def test_responses_filter_by_customer_id_external_id_or_email(admin_api, survey):
    admin_api.post("/api/v1/responses/", detractor_payload(), format="json")
    other = detractor_payload(
        external_id="resp-2", customer={"external_id": "cust-7", "email": "bob@example.com"}
    )
    admin_api.post("/api/v1/responses/", other, format="json")
    url = "/api/v1/responses/"
    everything = admin_api.get(url).json()
    assert everything["count"] == 2
    anna = next(r for r in everything["results"] if r["customer"]["external_id"] == "cust-42")
    for value in ("cust-42", "ANNA@example.com", str(anna["customer"]["id"])):
        found = admin_api.get(url, {"customer": value}).json()
        assert [r["id"] for r in found["results"]] == [anna["id"]], value
    assert admin_api.get(url, {"customer": "nobody@example.com"}).json()["count"] == 0
    assert admin_api.get(url, {"customer": "a\x00"}).status_code == 400
