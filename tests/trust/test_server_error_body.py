import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="tests.trust.crash_urls", DEBUG=False)
@pytest.mark.parametrize("url", ["/api/v1/boom/", "/hooks/boom/"])
def test_500_under_api_and_hooks_is_json(url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"


@override_settings(ROOT_URLCONF="tests.trust.crash_urls", DEBUG=False)
def test_500_elsewhere_stays_html():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "json" not in response["Content-Type"]
