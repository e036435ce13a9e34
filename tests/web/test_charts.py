"""Charts that read right: NPS on −100…100 with its values written, category shares on their
own 0–100 % axis, root causes as wrapping rows with the cumulative share named, people by name."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from tests.web.test_actions import act
from tickets.models import ResolutionCode, RootCause
from web.templatetags.fd import nps_chart, nps_shares_chart, pareto_chart

WEEKS = [
    {"period_start": dt.date(2026, 11, 2), "responses": 10, "promoters": 6, "passives": 2,
     "detractors": 2, "nps": 40.0},
    {"period_start": dt.date(2026, 11, 9), "responses": 4, "promoters": 0, "passives": 1,
     "detractors": 3, "nps": -75.0},
]  # fmt: skip


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_nps_line_has_its_own_signed_axis_and_visible_values():
    svg = str(nps_chart(WEEKS, "NPS"))
    labels = texts(svg)
    assert {"100", "0", "-100"} <= set(labels)
    assert "40" in labels and "-75" in labels  # written on the chart, not only on hover
    assert "<rect" not in svg  # no share bars squeezed onto the NPS axis


def test_shares_are_percentages_on_their_own_axis():
    svg = str(nps_shares_chart(WEEKS, "shares"))
    labels = texts(svg)
    assert {"0 %", "50 %", "100 %"} <= set(labels)
    assert "60" in labels and "75" in labels  # 6 of 10 promoters; 3 of 4 detractors
    heights = [float(h) for h in re.findall(r'<rect class="\w+" [^>]*height="([\d.]+)"', svg)]
    inner = 220 - 2 * 36
    assert sum(heights[:3]) == pytest.approx(inner, abs=0.5)  # a week fills the axis


def test_pareto_rows_wrap_long_names_and_name_the_cumulative_share():
    long = "Billing → Charged twice because the card provider retried a timed-out payment"
    items = [{"cause": long, "n": 8, "cumulative": 80}, {"cause": "", "n": 2, "cumulative": 100}]
    html = pareto_chart(items, "Root causes")
    assert html["rows"][0]["width"] == 100 and html["rows"][1]["width"] == 25
    from django.template.loader import render_to_string

    with translation.override("en"):
        page = render_to_string("web/_pareto.html", html)
    assert long in page and "<svg" not in page  # HTML text wraps; nothing is clipped
    assert "Cumulative share" in page and "80 %" in page


@pytest.mark.django_db
def test_dashboard_names_people_and_labels_tables_for_phones(manager_client, desk):
    ticket = desk.tickets[0]
    manager_client.force_login(desk.agent)
    act(manager_client, ticket, "contact", {"channel": "phone", "outcome": "reached"})
    leaf = RootCause.objects.filter(parent__isnull=False).first()
    act(
        manager_client,
        ticket,
        "resolve",
        {"code": ResolutionCode.objects.first().pk, "root_cause": leaf.pk, "note": ""},
    )
    manager_client.force_login(desk.manager)
    html = manager_client.get("/dashboard/").content.decode()
    by_agent = re.search(r"<summary>By agent</summary>.*?</details>", html, re.S).group(0)
    assert "Alex Agent" in by_agent and ">alex<" not in by_agent
    assert "Cumulative share" in html
    assert 'data-label="Agent"' in html and 'data-label="Customer"' in html
    assert "under 1 h" in html and "<1 h" not in html


@pytest.mark.django_db
def test_sla_badges_name_their_clock_in_the_queue_and_on_the_dashboard(manager_client, desk):
    desk.team_a.members.add(desk.manager)
    queue = manager_client.get("/queue/team/").content.decode()
    assert re.search(r'class="badge breached"[^>]*>First contact: ⚠ overdue \d', queue)
    assert re.search(
        r'class="badge (running|at_risk)"[^>]*>First contact: [●◔] \d+ min left', queue
    )
    dashboard = manager_client.get("/dashboard/").content.decode()
    assert re.search(r'class="badge breached"[^>]*>First contact: ⚠ overdue', dashboard)
