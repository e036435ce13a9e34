"""A page that does not exist, a bad page size and an address no route matches are JSON
answers naming what was wrong (schemathesis found the HTML 404 and the silent page size)."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/tickets/", "/api/v1/responses/"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", ["0", "2", "-1", "abc"])
def test_a_page_that_does_not_exist_is_a_404_naming_page(admin_api, url, page):
    answer = admin_api.get(url, {"page": page})
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "not_found"
    assert list(body["errors"]) == ["page"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("size", ["null", "0", "-5", "1.5", "²"])
def test_a_bad_page_size_is_a_400_naming_page_size(admin_api, url, size):
    answer = admin_api.get(url, {"page_size": size})
    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["page_size"]


def test_a_page_size_above_the_maximum_is_capped(admin_api):
    answer = admin_api.get("/api/v1/tickets/", {"page_size": "100000"})
    assert answer.status_code == 200


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "url", ["/api/v1/tickets/null,null/", "/api/v1/tickets/abc/claim/", "/api/v1/nothing/"]
)
def test_an_address_no_route_matches_is_a_json_404_under_the_api(admin_api, url):
    answer = admin_api.get(url)
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"] == "not_found"


@override_settings(DEBUG=False)
def test_an_unknown_page_outside_the_api_stays_html(admin_api):
    answer = admin_api.get("/no-such-page/")
    assert answer.status_code == 404
    assert "json" not in answer["Content-Type"]
