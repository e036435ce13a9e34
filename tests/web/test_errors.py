"""Styled error pages for people, JSON for machines; the bulk form names what is missing."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from web.errors import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Page not found"), ("ru", "Страница не найдена")]
)
def test_404_is_a_styled_page_in_the_users_language(agent_client, desk, lang, title):
    desk.agent.language = lang
    desk.agent.save()
    response = agent_client.get("/tickets/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert title in html and "app.css" in html and f'lang="{lang}"' in html


def test_403_is_a_styled_page(agent_client, desk):
    desk.agent.language = "ru"
    desk.agent.save()
    response = agent_client.get("/dashboard/")
    assert response.status_code == 403
    assert "Нет доступа к этой странице" in response.content.decode()


def test_api_and_hooks_keep_json(client):
    for url in ("/api/v1/no-such-thing/", "/hooks/no-such-thing/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_500_page_in_both_languages_and_json_for_the_api():
    for lang, text in (("en", "Something went wrong on our side"), ("ru", "Что-то пошло не так")):
        with translation.override(lang):
            page = server_error(RequestFactory().get("/queue/mine/"))
            api = server_error(RequestFactory().get("/api/v1/tickets/"))
        assert page.status_code == 500 and text in page.content.decode()
        assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_bulk_reassign_names_the_missing_field(manager_client, desk):
    response = manager_client.post(
        "/queue/bulk-assign/", {"assignee": desk.agent.pk, "next": "/queue/team/"}, follow=True
    )
    text = response.content.decode()
    assert "Tickets: tick at least one ticket in the list to reassign." in text
