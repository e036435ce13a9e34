"""Login lockout, security headers, offline API docs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_fifty_wrong_passwords_lock_the_account_even_for_the_right_one(client, url, settings):
    if url == "/login/":
        url = reverse("login")
    UserFactory(username="vera", is_staff=True, is_superuser=True)
    refused = 0
    for _ in range(50):
        answer = client.post(url, {"username": "vera", "password": "wrong"})
        refused += answer.status_code in (403, 429)
    assert refused >= 50 - settings.AXES_FAILURE_LIMIT
    answer = client.post(url, {"username": "vera", "password": "pass-Word-123"})
    assert answer.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    # another user from the same address is not locked out
    UserFactory(username="ivan", is_staff=True, is_superuser=True)
    answer = client.post(url, {"username": "ivan", "password": "pass-Word-123"})
    assert answer.status_code == 302
    assert "_auth_user_id" in client.session


def test_staff_pages_send_a_csp_without_inline_script(client):
    client.force_login(UserFactory(username="kim"))
    page = client.get("/", follow=True)
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert page["X-Content-Type-Options"] == "nosniff"
    html = page.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<[^>]+\son[a-z]+=", html)


def test_api_docs_come_from_the_package_not_a_cdn(client):
    client.force_login(UserFactory(username="kim", is_staff=True))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "drf_spectacular_sidecar" in html or "swagger-ui-dist" in html
    assert "cdn." not in html and "jsdelivr" not in html and "unpkg" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_admin_never_shows_a_webhook_secret_after_it_is_set(client, survey):
    from notifications.models import WebhookEndpoint
    from tests.intake.conftest import SECRET, hook_source

    source = hook_source("generic", survey=survey)
    endpoint = WebhookEndpoint.objects.create(name="CRM", url="http://127.0.0.1:9/hook")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/surveys/ingestionsource/{source.pk}/change/").content.decode()
    assert SECRET not in page
    page = client.get(f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()
    answer = client.post(
        "/admin/surveys/ingestionsource/",
        {"action": "rotate_webhook_secret", "_selected_action": [source.pk]},
        follow=True,
    )
    source.refresh_from_db()
    assert source.webhook_secret != SECRET
    assert source.webhook_secret in answer.content.decode()  # once, in the message
    page = client.get(f"/admin/surveys/ingestionsource/{source.pk}/change/").content.decode()
    assert source.webhook_secret not in page
