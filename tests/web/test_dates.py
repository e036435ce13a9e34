"""One date-time format per language, on pages and in emails."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import translation

from feedback_desk.datetimes import moment_format
from tickets.messaging import moment_for

MOMENT = dt.datetime(2026, 11, 27, 5, 12, tzinfo=dt.UTC)
# What Django's defaults used to print next to each other: "Nov. 16, 2026, 7:20 a.m."
MIXED = re.compile(r"\b(?:a\.m\.|p\.m\.|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\.,|,,")


@pytest.mark.parametrize(
    ("lang", "style", "expected"),
    [
        ("ru", "en-us", "27.11.2026 05:12"),
        ("en", "en-gb", "27/11/2026 05:12"),
        ("en", "", "27/11/2026 05:12"),
        ("en", "en-us", "11/27/2026 5:12 AM"),
    ],
)
def test_one_format_per_language(lang, style, expected):
    with translation.override(lang):
        assert moment_format(MOMENT, style=style, tz=dt.UTC) == expected


def test_dates_only():
    with translation.override("ru"):
        assert moment_format(MOMENT, kind="SHORT_DATE_FORMAT", tz=dt.UTC) == "27.11.2026"


@pytest.mark.django_db
def test_emails_use_the_same_format_in_the_recipients_zone(desk):
    desk.agent.time_zone = "Europe/Moscow"
    desk.agent.date_style = "en-us"
    with translation.override("en"):
        assert moment_for(MOMENT, desk.agent) == "11/27/2026 8:12 AM (Europe/Moscow)"
    with translation.override("ru"):
        assert moment_for(MOMENT, desk.agent) == "27.11.2026 08:12 (Europe/Moscow)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "style", "pattern"),
    [
        ("ru", "en-gb", r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d\b"),
        ("en", "en-gb", r"\b\d\d/\d\d/\d{4} \d\d:\d\d\b"),
        ("en", "en-us", r"\b\d\d/\d\d/\d{4} \d{1,2}:\d\d [AP]M\b"),
    ],
)
def test_ticket_and_queue_pages_show_one_format(agent_client, desk, lang, style, pattern):
    desk.agent.language, desk.agent.date_style = lang, style
    desk.agent.save()
    ticket = desk.tickets[0]
    for url in (f"/tickets/{ticket.pk}/", "/queue/mine/"):
        html = agent_client.get(url).content.decode()
        assert re.search(pattern, html), url
        assert not MIXED.search(html), MIXED.search(html).group(0)


@pytest.mark.django_db
def test_english_default_is_24_hour_on_the_timeline(agent_client, desk):
    with time_machine.travel(dt.datetime(2026, 11, 27, 17, 5, tzinfo=dt.UTC)):
        ticket = desk.open_ticket()
        html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert re.search(r"27/11/2026 1[67]:\d\d", html), re.findall(r"\d\d/\d\d/\d{4}[^<]*", html)


@pytest.mark.django_db
def test_profile_sets_the_english_date_format(agent_client, desk):
    response = agent_client.post(
        "/accounts/profile/",
        {"language": "en", "time_zone": "America/New_York", "date_style": "en-us"},
    )
    assert response.status_code == 302
    desk.agent.refresh_from_db()
    assert (desk.agent.time_zone, desk.agent.date_style) == ("America/New_York", "en-us")
    html = agent_client.get("/queue/mine/").content.decode()
    assert re.search(r"\b\d\d/\d\d/\d{4} \d{1,2}:\d\d [AP]M\b", html)
    bad = agent_client.post(
        "/accounts/profile/", {"language": "en", "time_zone": "Mars/Base", "date_style": "en-us"}
    )
    assert bad.status_code == 422 and "Mars/Base" in bad.content.decode()
