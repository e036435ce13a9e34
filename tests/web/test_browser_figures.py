"""The dashboard's figures, checked the way a person makes them: in Chromium, in English at
desktop width and in Russian on a phone. Screenshots go to var/screenshots/figures-*.png.

(a) an on-time contact logged after the sweep flagged the breach (its `When` before the
deadline) reads as met on the ticket page, with the withdrawal sentence on the timeline, and
counts as met for the agent on the dashboard; (b) a breach reassigned by the manager stays
with the agent who held it; (c) the NPS tile's number is the scope its title names.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone

from intake.services import CustomerData
from sla.models import SlaClock
from tests import factories
from tests.web.conftest import clocks_mark, make_desk
from tests.web.test_browser import (  # noqa: F401 - fixtures
    SHOTS,
    _taxonomy_restored,
    browser,
    taxonomy_seed,
)
from tests.web.test_browser_day import DESKTOP, PHONE, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "withdrawn": "was logged after the deadline",
        "all_teams": "NPS, all teams",
        "team": "NPS, team Customer care",
        "logged": "Contact attempt logged.",
        "assigned": "Assignment changed.",
    },
    "ru": {
        "withdrawn": "записан после срока",
        "all_teams": "NPS, все команды",
        "team": "NPS, команда Customer care",
        "logged": "Попытка связи записана.",
        "assigned": "Назначение изменено.",
    },
}


@pytest.fixture
def figures_desk(transactional_db):
    """Care: a ticket to backdate, one to reassign (both breached, held by Alex) and a fresh
    one; SMB: one detractor whose customer also answered 10. All teams' NPS is (1 - 4) / 5 =
    -60; team Customer care's is -100."""
    taxonomy_seed()
    desk = make_desk()
    desk.agent.time_zone = "Europe/Moscow"
    desk.agent.save()
    two_hours = dt.timedelta(hours=2)
    desk.tickets = [desk.open_ticket(ago=two_hours), desk.open_ticket(ago=two_hours)]
    desk.tickets.append(desk.open_ticket(ago=dt.timedelta(minutes=5)))
    desk.other_ticket = desk.open_ticket(team_b=True)
    customer = desk.other_ticket.customer
    factories.ingest(
        desk.survey,
        desk.source,
        score=10,
        responded_at=timezone.now() - dt.timedelta(minutes=3),
        customer=CustomerData(external_id=customer.external_id, email=customer.email),
    )
    for ticket in desk.tickets:
        if ticket.assignee_id != desk.agent.pk:
            from tickets.services.assignment import ticket_assign

            ticket_assign(ticket=ticket, assignee=desk.agent, by=desk.manager)
    clocks_mark()
    breached = SlaClock.objects.filter(ticket__in=desk.tickets[:2], kind="first_contact")
    assert {c.state for c in breached} == {"breached"}
    return desk


def open_as(chromium, live_server, user, language: str, size: dict):
    type(user).objects.filter(pk=user.pk).update(language=language)
    context = chromium.new_context(locale="en-GB", **size)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill("pass-Word-123")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/(queue|dashboard)/"))
    return context, page


def agent_row(page, name: str) -> list[str]:
    """The cells of the agent's row in the dashboard's compliance table ([] if absent)."""
    rows = page.locator("section[aria-labelledby=h-agents] tbody tr").filter(has_text=name)
    if rows.count() == 0:
        return []
    return [c.strip() for c in rows.first.locator("td").all_inner_texts()]


def backdated_contact(page, *, live_server, desk, lang: str, tag: str) -> None:
    ticket = desk.tickets[0]
    due = SlaClock.objects.get(ticket=ticket, kind="first_contact").due_at
    when = (due - dt.timedelta(minutes=15)).astimezone(zoneinfo.ZoneInfo("Europe/Moscow"))
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    first_clock = page.locator(".sla-card dl.clocks dd").first
    assert first_clock.locator(".badge.breached").count() == 1
    page.locator("body").press("c")
    page.select_option("#id_contact-channel", "phone")
    page.select_option("#id_contact-outcome", "reached")
    page.fill("#id_contact-occurred_at", when.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#act-contact button[type=submit]").click()
    page.get_by_text(WORDS[lang]["logged"]).wait_for()
    shot(page, f"backdated-ticket-{tag}")
    first_clock = page.locator(".sla-card dl.clocks dd").first
    assert first_clock.locator(".badge.met").count() == 1, first_clock.inner_html()
    assert first_clock.locator(".badge.late, .badge.breached").count() == 0
    note = page.locator("ol.timeline .note").filter(has_text=WORDS[lang]["withdrawn"])
    assert note.count() == 1
    assert when.strftime("%H:%M") in note.inner_text()  # in the agent's own zone
    clock = SlaClock.objects.get(ticket=ticket, kind="first_contact")
    assert (clock.state, clock.logged_late, clock.held_by_id) == ("met", True, desk.agent.pk)


def reassign_breach(page, *, live_server, desk, lang: str, tag: str) -> None:
    ticket = desk.tickets[1]
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.locator("#act-assign summary").click()
    page.select_option("#id_assign-assignee", label=str(desk.manager))
    page.locator("#act-assign button[type=submit]").click()
    page.get_by_text(WORDS[lang]["assigned"]).wait_for()
    shot(page, f"reassigned-ticket-{tag}")
    ticket.refresh_from_db()
    assert ticket.assignee == desk.manager


def dashboard_figures(page, *, live_server, desk, lang: str, tag: str, phone: bool) -> None:
    page.goto(f"{live_server.url}/dashboard/")
    shot(page, f"dashboard-all-teams-{tag}")
    if phone:
        no_sideways_scroll(page)
    # (a) and (b): Alex met the backdated clock and keeps the reassigned breach; the
    # manager who took the breached ticket over has none
    alex = agent_row(page, str(desk.agent))
    assert alex[2:5] == ["1", "1", "50%"], alex
    maria = agent_row(page, str(desk.manager))
    assert not maria or maria[3] == "0", maria
    assert page.locator("section[aria-labelledby=h-compl] .big").inner_text() == "50%"
    # (c) no team filter: every answer, titled "all teams"
    nps = page.locator("section[aria-labelledby=h-nps]")
    assert nps.locator("h2").text_content().strip() == WORDS[lang]["all_teams"]
    assert nps.locator(".big").inner_text() in ("-60", "−60")
    assert re.search(r"\b5\b", nps.locator("p").nth(1).inner_text())
    # switch the team filter like a person: the tile's title and number follow it
    page.select_option("#id_team", label=desk.team_a.name)
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(rf"team={desk.team_a.pk}"))
    shot(page, f"dashboard-team-{tag}")
    nps = page.locator("section[aria-labelledby=h-nps]")
    assert nps.locator("h2").text_content().strip() == WORDS[lang]["team"]
    assert nps.locator(".big").inner_text() in ("-100", "−100")
    assert re.search(r"\b3\b", nps.locator("p").nth(1).inner_text())
    assert agent_row(page, str(desk.agent))[2:5] == ["1", "1", "50%"]


def shot(page, name: str) -> None:
    page.screenshot(path=SHOTS / f"figures-{name}.png", full_page=True)


@pytest.mark.parametrize(
    "lang,size,phone", [("en", DESKTOP, False), ("ru", PHONE, True)], ids=["en-desktop", "ru-phone"]
)
def test_backdated_contact_reassigned_breach_and_nps_scope_as_a_person_sees_them(
    browser,  # noqa: F811
    live_server,
    figures_desk,
    lang,
    size,
    phone,
):
    desk, tag = figures_desk, f"{lang}-{'phone' if phone else 'desktop'}"
    context, page = open_as(browser, live_server, desk.agent, lang, size)
    try:
        backdated_contact(page, live_server=live_server, desk=desk, lang=lang, tag=tag)
    finally:
        context.close()
    context, page = open_as(browser, live_server, desk.manager, lang, size)
    try:
        reassign_breach(page, live_server=live_server, desk=desk, lang=lang, tag=tag)
        dashboard_figures(page, live_server=live_server, desk=desk, lang=lang, tag=tag, phone=phone)
    finally:
        context.close()


def test_the_contact_form_switches_outcomes_with_the_channel(browser, live_server, figures_desk):  # noqa: F811
    """web/static/web/outcomes.js: choosing a channel offers that channel's outcomes in its
    own words (Russian, on a phone), and a choice the new channel also has is kept."""
    from django.utils import translation

    from tickets.selectors import contact_outcome_choices

    desk = figures_desk
    context, page = open_as(browser, live_server, desk.agent, "ru", PHONE)
    try:
        page.goto(f"{live_server.url}/tickets/{desk.tickets[2].pk}/")
        page.locator("body").press("c")
        options = page.locator("#id_contact-outcome option")
        with translation.override("ru"):
            words = {
                c: [o["label"] for o in contact_outcome_choices(channel=c)]
                for c in ("email", "phone")
            }
        page.select_option("#id_contact-outcome", "reached")
        page.select_option("#id_contact-channel", "email")
        assert options.all_inner_texts()[1:] == words["email"]
        assert page.input_value("#id_contact-outcome") == "reached"  # "Replied" now
        page.select_option("#id_contact-outcome", "wrong_number")
        page.select_option("#id_contact-channel", "meeting")
        assert page.input_value("#id_contact-outcome") == ""  # a meeting has no wrong number
        page.select_option("#id_contact-channel", "phone")
        assert options.all_inner_texts()[1:] == words["phone"]
        shot(page, "contact-outcomes-ru-phone")
    finally:
        context.close()
