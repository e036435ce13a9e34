"""End to end in headless Chromium (Playwright) against a live server.

Skips locally without /usr/bin/chromium; fails under CI (tests.conftest.service_missing).
CI needs the Debian packages: chromium (and fonts-dejavu-core for readable screenshots).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import service_missing
from tests.web.conftest import clocks_mark, make_desk

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(settings.VAR_DIR) / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def taxonomy_seed() -> None:
    """The data migration's seed: transactional tests flush the tables it filled."""
    import importlib

    from django.apps import apps

    importlib.import_module("tickets.migrations.0002_seed_resolution_taxonomy").seed(apps, None)


@pytest.fixture(scope="module", autouse=True)
def _taxonomy_restored(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        taxonomy_seed()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        service_missing(f"needs Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by
    # fixtures between page actions are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def e2e_desk(transactional_db):
    taxonomy_seed()
    desk = make_desk()
    desk.tickets = [desk.open_ticket(ago=dt.timedelta(minutes=m)) for m in (5, 30, 180)]
    desk.other_ticket = desk.open_ticket(team_b=True)
    clocks_mark()
    return desk


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(re.compile("Username|Имя пользователя")).fill(username)
    page.get_by_label(re.compile("^(Password|Пароль)$")).fill("pass-Word-123")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/queue/mine/|/dashboard/"))  # agents | managers


def test_agent_opens_most_urgent_ticket_logs_contact_and_resolves(page, live_server, e2e_desk):
    login(page, live_server, "alex")
    page.screenshot(path=SHOTS / "queue-mine-en.png", full_page=True)
    first = page.locator("table.queue tbody tr").first
    assert "overdue" in first.inner_text()
    first.locator("a.ticket-link").click()
    urgent = e2e_desk.tickets[2]
    page.wait_for_url(f"**/tickets/{urgent.pk}/")
    assert urgent.origin_response.comment in page.inner_text("blockquote.comment")

    page.select_option("#id_contact-channel", "phone")
    page.select_option("#id_contact-outcome", "reached")
    page.fill("#id_contact-note", "Apologised, promised a refund")
    url_before = page.url
    page.locator("#act-contact button[type=submit]").click()
    page.get_by_text("Contact attempt logged.").wait_for()
    assert page.url == url_before  # htmx swapped the ticket body, no navigation

    page.select_option("#id_resolve-code", label="Problem fixed")
    page.select_option("#id_resolve-root_cause", label="Delivery → Late delivery")
    page.select_option("#id_resolve-goodwill_kind", "refund")
    page.fill("#id_resolve-goodwill_amount", "15")
    page.fill("#id_resolve-goodwill_currency", "EUR")
    page.locator("#act-resolve button[type=submit]").click()
    page.get_by_text("Ticket resolved.").wait_for()
    page.screenshot(path=SHOTS / "ticket-resolved-en.png", full_page=True)
    urgent.refresh_from_db()
    assert urgent.status == "resolved"
    assert urgent.resolutions.get().goodwill_currency == "EUR"


def test_form_errors_show_without_reload(page, live_server, e2e_desk):
    login(page, live_server, "alex")
    ticket_url = f"{live_server.url}/tickets/{e2e_desk.tickets[0].pk}/"
    page.goto(ticket_url)
    page.evaluate("window.__sameDocument = true")  # a reload or navigation would drop it
    page.locator("#act-resolve summary").click()
    page.select_option("#id_resolve-code", label="Problem fixed")
    page.locator("#act-resolve button[type=submit]").click()
    page.get_by_text("Log at least one contact attempt").wait_for()
    assert page.url == ticket_url  # not the action's URL a plain form post would land on
    assert page.evaluate("window.__sameDocument === true")
    page.screenshot(path=SHOTS / "ticket-error-en.png", full_page=True)


def test_manager_sees_breach_on_dashboard_and_reassigns(page, live_server, e2e_desk):
    login(page, live_server, "maria")
    page.goto(f"{live_server.url}/dashboard/")
    page.screenshot(path=SHOTS / "dashboard-en.png", full_page=True)
    breached = e2e_desk.tickets[2]
    risk = page.locator("section[aria-labelledby=h-risk]")
    assert "overdue" in risk.inner_text()
    risk.get_by_role("link", name=str(breached.customer)).click()
    page.wait_for_url(f"**/tickets/{breached.pk}/")
    page.locator("#act-assign summary").click()
    page.select_option("#id_assign-assignee", label=str(e2e_desk.manager))
    page.locator("#act-assign button[type=submit]").click()
    page.get_by_text("Assignment changed.").wait_for()
    breached.refresh_from_db()
    assert breached.assignee == e2e_desk.manager


def test_phone_layout(browser, live_server, e2e_desk):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    login(page, live_server, "alex")
    page.screenshot(path=SHOTS / "queue-mine-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing forces sideways scrolling
    context.close()


def english_msgids() -> list[str]:
    """Every English msgid that has a different Russian translation."""
    from django.utils import translation

    path = Path(settings.BASE_DIR) / "locale/ru/LC_MESSAGES/django.po"
    ids = re.findall(r'^msgid "(.+)"$', path.read_text(encoding="utf-8"), flags=re.M)
    with translation.override("ru"):
        out = []
        for msgid in ids:
            msgid = msgid.replace('\\"', '"')
            if "%" in msgid or "{" in msgid or len(msgid) < 4:
                continue
            if translation.gettext(msgid) != msgid:
                out.append(msgid)
    return out


def test_russian_ui_has_no_untranslated_text(page, live_server, e2e_desk):
    from tickets.models import Team

    # Russian data, so that English words on the page can only come from the UI
    Team.objects.filter(pk=e2e_desk.team_a.pk).update(name="Забота о клиентах")
    for n, user in enumerate((e2e_desk.manager, e2e_desk.agent)):
        user.first_name, user.last_name = ("Мария", "Иванова") if n == 0 else ("Алексей", "Петров")
        user.language = "ru"
        user.save()
    from surveys.models import Customer, Response, Survey

    Survey.objects.update(
        name="Опрос 2026", question="Насколько вероятно, что вы нас порекомендуете?"
    )
    Customer.objects.update(name="Анна Смирнова", segment="крупные")
    Response.objects.update(comment="Доставка опоздала на два дня, никто не позвонил")
    e2e_desk.team_a.members.add(e2e_desk.manager)

    login(page, live_server, "maria")
    english = english_msgids()
    ticket = e2e_desk.tickets[2]
    pages = {
        "queue-mine": "/queue/mine/",
        "queue-team": "/queue/team/",
        "queue-all": "/queue/all/",
        "ticket": f"/tickets/{ticket.pk}/",
        "dashboard": "/dashboard/",
        "password": "/accounts/password/",
    }
    problems = {}
    for name, url in pages.items():
        page.goto(live_server.url + url)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.screenshot(path=SHOTS / f"{name}-ru.png", full_page=True)
        text = page.inner_text("body")
        found = [m for m in english if re.search(rf"(?<![\w/]){re.escape(m)}(?![\w/])", text)]
        if found:
            problems[name] = found
    assert problems == {}, problems
    assert "Мои обращения" in text or "Сводка" in text
