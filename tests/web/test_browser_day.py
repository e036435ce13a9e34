"""An agent's and a manager's day on the demo data, in Chromium, in English and Russian, at
desktop and phone width. Screenshots go to var/screenshots/day-*.png (not committed).

One test walks both days in both languages and sizes, so the demo (about 45 s) is seeded
once: the live server needs a transactional database, emptied after each test.
"""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import (  # noqa: F401 - fixtures
    SHOTS,
    _taxonomy_restored,
    browser,
    taxonomy_seed,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
RU_DATE = re.compile(r"\b\d\d\.\d\d\.\d{4} \d\d:\d\d\b")
EN_DATE = re.compile(r"\b\d\d/\d\d/\d{4} \d\d:\d\d\b")


@pytest.fixture
def demo(transactional_db):
    from demo.seed import demo_seed

    taxonomy_seed()
    return demo_seed()


def open_as(chromium, live_server, username: str, language: str, size: dict):
    from accounts.models import User

    User.objects.filter(username=username).update(language=language)
    context = chromium.new_context(locale="en-GB", **size)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"{username}-pass")
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(re.compile(r"/(queue|dashboard)/"))
    return context, page


def shot(page, name: str) -> None:
    page.screenshot(path=SHOTS / f"day-{name}.png", full_page=True)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 2, width


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def agent_walk(page, *, lang: str, tag: str, phone: bool) -> None:
    date = RU_DATE if lang == "ru" else EN_DATE
    page.goto(page.url.split("/queue/")[0] + "/queue/mine/")
    shot(page, f"agent-queue-{tag}")
    assert page.locator("table.queue tbody tr").count() > 0
    if phone:
        no_sideways_scroll(page)
    page.locator("body").press("j")
    assert page.locator("table.queue tr.current").count() == 1
    page.locator("table.queue tr.current a.ticket-link").click()
    page.wait_for_url(re.compile(r"/tickets/\d+/"))
    ticket_url = page.url
    # j / k on a ticket page: the next and previous ticket of my queue
    page.locator("body").press("j")
    page.wait_for_url(lambda url: url != ticket_url and "/tickets/" in url)
    page.locator("body").press("k")
    page.wait_for_url(ticket_url)
    shot(page, f"agent-ticket-{tag}")
    assert date.search(page.inner_text("#ticket-body"))
    if phone:
        no_sideways_scroll(page)
        # what the agent acts on comes first: customer and tap-to-call, SLA, then the actions
        assert top(page, ".customer-card") < top(page, ".sla-card") < top(page, ".composer")
        assert page.locator("a[href^='tel:']").first.is_visible()

    # c opens "log contact", r opens "resolve": one action open at a time
    page.locator("body").press("c")
    assert page.locator("#act-contact").evaluate("d => d.open")
    page.select_option("#id_contact-channel", "phone")
    page.select_option("#id_contact-outcome", "reached")
    page.locator("#act-contact button[type=submit]").click()
    page.locator(".msg.success").wait_for()
    status = page.inner_text(".page-head .status")
    assert status in ("In progress", "В работе"), status
    page.locator("body").press("r")
    assert page.locator("#act-resolve").evaluate("d => d.open")
    assert not page.locator("#act-contact").evaluate("d => d.open")
    shot(page, f"agent-composer-{tag}")
    page.select_option("#id_resolve-code", index=1)
    page.select_option("#id_resolve-root_cause", index=1)
    page.locator("#act-resolve button[type=submit]").click()
    page.locator(".page-head .status.st-resolved").wait_for()
    shot(page, f"agent-resolved-{tag}")

    page.goto(page.url.split("/tickets/")[0] + "/accounts/profile/")
    shot(page, f"agent-profile-{tag}")
    page.goto(page.url.split("/accounts/")[0] + "/tickets/99999999/")
    assert page.locator(".error-code").inner_text() == "404"
    shot(page, f"agent-404-{tag}")


def svg_texts(locator) -> list[str]:
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def manager_walk(page, *, lang: str, tag: str, phone: bool) -> None:
    base = page.url.split("/queue/")[0].split("/dashboard/")[0]
    page.goto(base + "/dashboard/")
    shot(page, f"manager-dashboard-{tag}")
    trend = page.locator("section[aria-labelledby=h-trend]")
    labels = svg_texts(trend.locator("svg text.val"))
    assert labels and all(re.fullmatch(r"[−-]?\d+", v) for v in labels), labels
    assert {"100", "0"} <= set(svg_texts(trend.locator("svg").first.locator("text.tick")))
    assert "100 %" in svg_texts(trend.locator("svg").nth(1).locator("text.tick"))
    cumulative = "Cumulative share" if lang == "en" else "Накопленная доля"
    assert cumulative in page.inner_text("section[aria-labelledby=h-pareto]")
    by_agent = page.locator("section[aria-labelledby=h-pareto] details").nth(1)
    by_agent.locator("summary").click()
    assert "Marina Sokolova" in by_agent.inner_text() or "Alex Morgan" in by_agent.inner_text()
    if phone:
        no_sideways_scroll(page)
        cell = page.locator("section[aria-labelledby=h-agents] td[data-label]").first
        before = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert cell.get_attribute("data-label") in before  # stacked rows keep their labels
        for box in page.locator("form.filters select").all():
            b = box.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 392, b  # filters not cut off
    page.goto(base + "/queue/all/")
    shot(page, f"manager-queue-all-{tag}")
    page.locator("fieldset.bulk button[type=submit]").click()
    missing = "Tickets:" if lang == "en" else "Обращения:"
    assert missing in page.inner_text(".messages")
    page.goto(base + "/dashboard/?team=999999")
    shot(page, f"manager-dashboard-filtered-{tag}")


def test_an_agents_and_a_managers_day_on_the_demo(browser, live_server, demo):  # noqa: F811
    walks = (
        ("agent", agent_walk, "en", DESKTOP, False),
        ("agent", agent_walk, "ru", PHONE, True),
        ("manager", manager_walk, "ru", DESKTOP, False),
        ("manager", manager_walk, "en", PHONE, True),
    )
    for who, walk, lang, size, phone in walks:
        tag = f"{lang}-{'phone' if phone else 'desktop'}"
        context, page = open_as(browser, live_server, who, lang, size)
        try:
            walk(page, lang=lang, tag=tag, phone=phone)
        finally:
            context.close()
