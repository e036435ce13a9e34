"""API tokens are stored hashed, shown once, revocable, with a last-used time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.api_tokens import ApiToken, api_tokens_revoke, token_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_drf_create_token_prints_a_key_that_works_and_only_its_hash_is_stored(capsys):
    user = UserFactory(username="agent7", is_superuser=True)
    call_command("drf_create_token", "agent7")
    line = capsys.readouterr().out.strip()
    key = line.split()[2]
    assert line == f"Generated token {key} for user agent7"
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == token_hash(key) and key not in token.key_hash
    assert token.prefix == key[:8]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    moment = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        assert client.get("/api/v1/responses/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == moment
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk))
    assert client.get("/api/v1/responses/").status_code == 401


def test_admin_lists_tokens_without_the_key(client, capsys):
    UserFactory(username="agent8")
    call_command("api_token_create", "agent8", "--name", "CRM")
    key = capsys.readouterr().out.split()[2]
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get("/admin/accounts/apitoken/").content.decode()
    assert key[:8] in page and key not in page
