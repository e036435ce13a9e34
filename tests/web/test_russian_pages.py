"""Every staff page in Russian shows no English word the user did not type.

The desk's data is made Russian first, so a Latin-letter word on a page can only come from the
UI (an untranslated label, a code shown raw, JSON on the timeline), unless it is in the
allow-list: names, emails, references and codes the people typed, and a few acronyms.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from surveys.models import Customer, Response, Survey
from tests.web.conftest import clocks_mark
from tickets.models import ResolutionCode, RootCause, Team
from tickets.services import assignment, contacts, lifecycle, resolving

pytestmark = pytest.mark.django_db

# Acronyms a Russian desk says in Latin letters, plus the brand and the language buttons.
ACRONYMS = {"NPS", "SLA", "CSV", "EN", "RU", "feedback_desk", "p90", "UTC", "ID"}
# The English date formats offered on the profile page are samples, not UI text.
SAMPLES = {"PM"}
# Keyboard shortcuts are the Latin keys themselves.
KEYS = {"c", "r", "j/k"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.@+\-/]*")
SHOWN_ATTRS = {"title", "aria-label", "placeholder", "alt"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(v or "" for k, v in attrs if k in SHOWN_ATTRS)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def latin_words(html: str, allowed: set[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    words = {w.strip(".-/") for w in LATIN_WORD.findall(text)}
    tokens = {t.strip(".-/") for a in allowed for t in LATIN_WORD.findall(a)}
    return {w for w in words if w and w not in allowed | tokens and not _is_code(w)}


def _is_code(word: str) -> bool:
    return "@" in word or re.fullmatch(r"FD-\d+", word) is not None  # email, reference


def russian_desk(desk) -> set[str]:
    """Russian names for everything people typed; returns what may stay Latin."""
    Team.objects.filter(pk=desk.team_a.pk).update(name="Забота о клиентах")
    Team.objects.filter(pk=desk.team_b.pk).update(name="Малый бизнес")
    for user, (first, last) in (
        (desk.manager, ("Мария", "Иванова")),
        (desk.agent, ("Алексей", "Петров")),
        (desk.other_agent, ("Борис", "Сидоров")),
    ):
        user.first_name, user.last_name, user.language = first, last, "ru"
        user.time_zone = "Europe/Moscow"
        user.save()
    Survey.objects.update(name="Опрос 2026", question="Порекомендуете ли вы нас?")
    # segment and channel codes as the demo stores them: the page must show them in Russian
    Customer.objects.update(name="Анна Смирнова", segment="enterprise", time_zone="Europe/Moscow")
    Response.objects.update(comment="Доставка опоздала на два дня", channel="sms")
    desk.team_a.members.add(desk.manager)
    typed = {"Asia/Vladivostok", "Europe/Moscow", "+7", "nps-2026"}
    typed |= set(Customer.objects.values_list("external_id", flat=True))
    typed |= {desk.manager.username, desk.agent.username, desk.other_agent.username}
    return typed | ACRONYMS | SAMPLES | KEYS


def full_timeline(desk):
    """A ticket that went through everything the timeline can show."""
    ticket = desk.tickets[2]
    now = timezone.now()
    clocks_mark(now)
    contacts.contact_attempt_log(
        ticket=ticket, by=desk.agent, channel="phone", outcome="no_answer", note="Не ответила"
    )
    contacts.contact_attempt_log(
        ticket=ticket,
        by=desk.agent,
        channel="phone",
        outcome="reached",
        note="Извинились",
    )
    lifecycle.ticket_status_set(ticket=ticket, by=desk.agent, status="waiting_on_customer")
    assignment.ticket_assign(ticket=ticket, by=desk.manager, assignee=desk.manager)
    leaf = RootCause.objects.filter(parent__isnull=False).first()
    resolving.ticket_resolve(
        ticket=ticket,
        by=desk.manager,
        code=ResolutionCode.objects.first(),
        root_cause=leaf,
        note="Вернули деньги",
        goodwill={"kind": "refund", "amount": 10, "currency": "RUB"},
    )
    lifecycle.ticket_reopen(ticket=ticket, by=desk.manager, reason="Клиент снова недоволен")
    return ticket


def test_staff_pages_in_russian_have_no_english(client, desk):
    typed = russian_desk(desk)
    typed.add("RUB")  # a currency code the agent typed
    ticket = full_timeline(desk)
    pages = {"login": "/accounts/login/"}
    found = {}
    html = client.get(pages["login"], headers={"accept-language": "ru"}).content.decode()
    if words := latin_words(html, typed):
        found["login"] = words
    client.force_login(desk.manager)
    pages = {
        "queue-mine": "/queue/mine/",
        "queue-team": "/queue/team/",
        "queue-all": "/queue/all/",
        "queue-breached": "/queue/all/?sla=breached&status=any",
        "ticket": f"/tickets/{ticket.pk}/",
        "ticket-new": f"/tickets/{desk.tickets[0].pk}/",
        "dashboard": "/dashboard/",
        "profile": "/accounts/profile/",
        "password": "/accounts/password/",
        "not-found": "/tickets/999999/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        if words := latin_words(response.content.decode(), typed):
            found[name] = sorted(words)
    admin = desk.manager
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    # the admin: the titles of the ticket's inlines (the rest is Django's and the raw records)
    html = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    titles = re.findall(
        r'<div class="js-inline-admin-formset inline-group".*?<h2[^>]*>(.*?)</h2>', html, re.S
    )
    assert len(titles) >= 4, titles
    if words := latin_words(" ".join(titles), typed):
        found["admin-inline-titles"] = sorted(words)
    client.force_login(desk.agent)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    if words := latin_words(response.content.decode(), typed):
        found["forbidden"] = sorted(words)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
