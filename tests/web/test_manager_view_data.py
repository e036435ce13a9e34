"""The manager's view tells the truth in its data: a manager lands on the dashboard; the
NPS figure follows the team filter and says its scope; SLA tiles link to the queue they
count; every SLA badge says which clock and by how much; compliance follows the holder."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.selectors import Period
from sla.badges import clock_badge_data, ticket_badge_data
from sla.models import SlaClock
from tests import factories
from tickets.services import assignment, contacts
from web.selectors import dashboard_data, queue_filtered

pytestmark = pytest.mark.django_db


def test_a_manager_lands_on_the_dashboard_an_agent_on_their_queue(client, desk):
    client.force_login(desk.manager)
    assert client.get("/").url == reverse("dashboard")
    client.force_login(desk.agent)
    assert client.get("/").url == reverse("queue", kwargs={"view": "mine"})


def test_login_sends_a_manager_to_the_dashboard(client, desk):
    desk.manager.set_password("pw-manager-1")
    desk.manager.save()
    answer = client.post(reverse("login"), {"username": "maria", "password": "pw-manager-1"})
    assert answer.status_code == 302
    assert client.get(answer.url).url == reverse("dashboard")


def _team_b_promoter(desk):
    """A promoter answer from the team B customer: counts for team B only."""
    ticket = desk.other_ticket
    factories.ingest(desk.survey, desk.source, score=10, customer=_customer_data(ticket.customer))


def _customer_data(customer):
    from intake.services import CustomerData

    return CustomerData(external_id=customer.external_id, email=customer.email, attributes={})


def test_the_nps_figure_follows_the_team_filter_and_says_its_scope(desk):
    _team_b_promoter(desk)
    period = Period(start=timezone.now() - dt.timedelta(days=30))
    teams = type(desk.team_a).objects.all()
    common = {"teams": teams, "survey": None, "segment": None, "period": period}

    everyone = dashboard_data(team=None, **common)
    assert everyone["nps_scope"]["kind"] == "all_teams"
    assert everyone["nps"]["overall"]["responses"] == 5
    team_a = dashboard_data(team=desk.team_a, **common)
    assert team_a["nps_scope"] == {
        "kind": "team",
        "team_id": desk.team_a.pk,
        "title": "NPS, team Customer care",
        "label": "Answers of the customers whose tickets team Customer care handled.",
    }
    # three detractors of team A's customers; team B's promoter is not theirs
    assert team_a["nps"]["overall"]["responses"] == 3
    assert team_a["nps"]["overall"]["nps"] == -100
    team_b = dashboard_data(team=desk.team_b, **common)
    assert team_b["nps"]["overall"]["responses"] == 2
    assert team_b["nps"]["overall"]["nps"] == 0


def test_sla_tiles_link_to_the_queue_they_count(manager_client, desk):
    data = dashboard_data(
        teams=type(desk.team_a).objects.filter(pk=desk.team_a.pk),
        team=desk.team_a,
        survey=None,
        segment=None,
        period=Period(),
    )
    link = urlparse(data["links"]["breached"])
    assert link.path == reverse("queue", kwargs={"view": "all"})
    assert parse_qs(link.query) == {"sla": ["breached"], "team": [str(desk.team_a.pk)]}
    answer = manager_client.get(data["links"]["breached"])
    assert answer.status_code == 200
    shown = {t.pk for t in answer.context["page"].object_list}
    filters = {"sla": "breached", "team": desk.team_a}
    expected = set(
        queue_filtered(user=desk.manager, view="all", filters=filters).values_list("pk", flat=True)
    )
    assert shown == expected
    assert shown == {
        t.pk for t in desk.tickets if t.__class__.objects.get(pk=t.pk).sla_state == "breached"
    }
    assert shown  # the 120-minute-old ticket is past its 60-minute first contact


def test_each_badge_says_which_clock_and_by_how_much(desk):
    now = timezone.now()
    old = desk.tickets[2]  # 120 min old, first contact due after 60
    badge = ticket_badge_data(list(old.clocks.all()), now)
    assert badge["clock"] == "first_contact"
    assert badge["state"] == "breached"
    assert -61 <= badge["delta_minutes"] <= -59
    fresh = desk.tickets[0]  # 5 min old
    badge = ticket_badge_data(list(fresh.clocks.all()), now)
    assert (badge["clock"], badge["state"]) == ("first_contact", "running")
    assert 54 <= badge["delta_minutes"] <= 55
    contacts.contact_attempt_log(
        ticket=fresh, by=desk.agent, channel="phone", outcome="reached", now=now
    )
    badge = ticket_badge_data(list(fresh.clocks.all()), now)
    assert badge["clock"] == "resolution"
    met = clock_badge_data(fresh.clocks.get(kind="first_contact"), now)
    assert met["state"] == "met" and met["delta_minutes"] >= 54


def test_dashboard_compliance_follows_who_held_the_ticket(desk):
    colleague = factories.UserFactory(username="carl")
    desk.team_a.members.add(colleague)
    old = desk.tickets[2]
    assert SlaClock.objects.get(ticket=old, kind="first_contact").state == "breached"
    held_by = SlaClock.objects.get(ticket=old, kind="first_contact").held_by_id
    assignment.ticket_assign(ticket=old, by=desk.manager, assignee=colleague)
    data = dashboard_data(
        teams=type(desk.team_a).objects.all(),
        team=None,
        survey=None,
        segment=None,
        period=Period(),
    )
    rows = {agent.pk: agent for agent in data["agents"]}
    assert held_by is not None and rows[held_by].breached >= 1
    assert colleague.pk not in rows or rows[colleague.pk].breached == 0
    assert "held the ticket" in data["compliance_note"]


def test_the_dashboard_page_titles_the_nps_scope_and_links_breaches(manager_client, desk):
    page = manager_client.get(reverse("dashboard"), {"team": desk.team_a.pk}).content.decode()
    assert "NPS, team Customer care" in page
    assert "whoever held the ticket" in page
    link = (
        f'href="{reverse("queue", kwargs={"view": "all"})}?sla=breached&amp;team={desk.team_a.pk}"'
    )
    assert link in page
    page = manager_client.get(reverse("dashboard")).content.decode()
    assert "NPS, all teams" in page
