"""Russian is complete: every msgid translated, none fuzzy, the compiled catalogue current."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale/ru/LC_MESSAGES/django.po"


def entries():
    text = PO.read_text(encoding="utf-8")
    return [block for block in text.split("\n\n") if "msgid " in block]


def test_every_msgid_has_a_russian_translation():
    untranslated = []
    for block in entries()[1:]:  # the first is the header
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"', block, flags=re.M)
        continuation = re.search(r'^msgstr(?:\[\d\])? ""\n"', block, flags=re.M)
        if any(s == "" for s in strings) and not continuation:
            untranslated.append(block.splitlines()[-2])
        assert "fuzzy" not in block, block
    assert untranslated == []


def test_compiled_catalogue_is_used_and_plural_forms_are_russian():
    with translation.override("ru"):
        assert translation.gettext("My tickets") == "Мои обращения"
        assert translation.ngettext("%(n)s ticket", "%(n)s tickets", 5) == "%(n)s обращений"
        assert translation.ngettext("%(n)s ticket", "%(n)s tickets", 3) == "%(n)s обращения"


@pytest.mark.django_db
def test_pages_render_in_russian_for_a_russian_profile(agent_client, desk):
    desk.agent.language = "ru"
    desk.agent.save()
    html = agent_client.get("/queue/mine/").content.decode()
    assert "Мои обращения" in html and "просрочено" in html
    html = agent_client.get(f"/tickets/{desk.tickets[0].pk}/").content.decode()
    assert "Записать попытку связи" in html


@pytest.mark.django_db
def test_browser_language_is_used_without_a_profile_language(agent_client, desk):
    html = agent_client.get("/queue/mine/", headers={"accept-language": "ru"}).content.decode()
    assert "Мои обращения" in html
