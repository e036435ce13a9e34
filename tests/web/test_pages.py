import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.web.conftest import make_desk

pytestmark = pytest.mark.django_db


def test_login_page_and_redirect_for_anonymous(client, db):
    response = client.get("/queue/mine/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content


def test_login_with_password_then_logout(client, desk):
    response = client.post(reverse("login"), {"username": "alex", "password": "pass-Word-123"})
    assert response.status_code == 302
    assert client.get("/queue/mine/").status_code == 200
    client.post(reverse("logout"))
    assert client.get("/queue/mine/").status_code == 302


def test_password_change_page(agent_client):
    from django.test import Client

    assert agent_client.get(reverse("password_change")).status_code == 200
    response = agent_client.post(
        reverse("password_change"),
        {
            "old_password": "pass-Word-123",
            "new_password1": "an0ther-Secret!",
            "new_password2": "an0ther-Secret!",
        },
    )
    assert response.status_code == 302
    agent = response.wsgi_request.user
    agent.refresh_from_db()
    assert agent.check_password("an0ther-Secret!")
    assert not agent.check_password("pass-Word-123")
    fresh = Client()  # a new browser: sign in from scratch
    old = fresh.post(reverse("login"), {"username": agent.username, "password": "pass-Word-123"})
    assert old.status_code == 200  # the form again: the old password no longer works
    assert fresh.get("/queue/mine/").status_code == 302
    new = fresh.post(reverse("login"), {"username": agent.username, "password": "an0ther-Secret!"})
    assert new.status_code == 302
    assert fresh.get("/queue/mine/").status_code == 200


def test_my_queue_lists_own_tickets_nearest_deadline_first(agent_client, desk):
    page = agent_client.get("/queue/mine/")
    rows = page.context["rows"]
    assert [r["t"].pk for r in rows] == [t.pk for t in reversed(desk.tickets)]
    html = page.content.decode()
    assert desk.other_ticket.customer.name not in html
    assert "overdue" in html  # the 120-minute-old ticket is past its 60-minute first contact
    assert 'class="badge breached"' in html


def test_team_queue_puts_unassigned_first(manager_client, desk):
    desk.tickets[0].assignee = None
    desk.tickets[0].save()
    desk.team_a.members.add(desk.manager)
    rows = manager_client.get("/queue/team/").context["rows"]
    assert rows[0]["t"].pk == desk.tickets[0].pk


def test_filters_narrow_the_queue(agent_client, desk):
    assert agent_client.get("/queue/mine/?sla=breached").context["page"].paginator.count == 1
    # 50 minutes in: past the 75 % warning point of a 60-minute target
    assert agent_client.get("/queue/mine/?sla=at_risk").context["page"].paginator.count == 1
    assert agent_client.get("/queue/mine/?sla=running").context["page"].paginator.count == 1
    assert agent_client.get("/queue/mine/?q=order").context["page"].paginator.count == 3
    name = desk.tickets[1].customer.name
    rows = agent_client.get("/queue/mine/", {"q": name}).context["rows"]
    assert [r["t"].pk for r in rows] == [desk.tickets[1].pk]
    assert agent_client.get("/queue/mine/?status=resolved").context["page"].paginator.count == 0


def test_all_teams_queue_is_for_managers_only(agent_client, desk):
    assert agent_client.get("/queue/all/").status_code == 403
    assert agent_client.get("/dashboard/").status_code == 403


def test_another_teams_ticket_is_404(agent_client, desk):
    assert agent_client.get(f"/tickets/{desk.other_ticket.pk}/").status_code == 404
    assert agent_client.get(f"/tickets/{desk.tickets[0].pk}/").status_code == 200


def test_ticket_page_shows_answer_customer_and_clocks(agent_client, desk):
    ticket = desk.tickets[0]
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert ticket.origin_response.comment in html
    assert ticket.customer.email in html
    assert "First contact" in html and "Resolution" in html
    assert "Log a contact attempt" in html
    # what the agent acts on comes first (a phone shows the page in this order): customer
    # with tap-to-call, the SLA clocks, then the actions; the answer and timeline follow
    order = ['href="tel:', 'id="h-sla"', 'id="act-contact"', ticket.origin_response.comment]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_ticket_deadlines_in_viewers_time_zone(agent_client, desk):
    import zoneinfo

    from django.utils import formats, translation

    from sla.models import SlaClock

    desk.agent.time_zone = "Asia/Tokyo"
    desk.agent.language = "en"
    desk.agent.save()
    ticket = desk.tickets[0]
    html = agent_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Asia/Tokyo" in html
    clocks = list(SlaClock.objects.filter(ticket=ticket, due_at__isnull=False))
    assert clocks
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    with translation.override("en"):
        for clock in clocks:
            local = formats.date_format(clock.due_at.astimezone(tokyo), "SHORT_DATETIME_FORMAT")
            in_utc = formats.date_format(clock.due_at.astimezone(dt.UTC), "SHORT_DATETIME_FORMAT")
            assert local != in_utc  # nine hours apart, so the text tells them apart
            assert f"Due {local} (Asia/Tokyo)" in html, local
            assert f"Due {in_utc} (" not in html


def test_tickets_csv_has_bom_and_iso_dates(manager_client, desk):
    response = manager_client.get("/export/tickets.csv?view=all")
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:3] == ["id", "status", "priority"]
    assert len(rows) == 1 + 3
    created = rows[1][rows[0].index("created_at")]
    assert "T" in created and created[:4].isdigit()


def test_responses_csv_filters_and_rejects_bad_params(manager_client, desk):
    response = manager_client.get("/export/responses.csv", {"survey": "nps-2026"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffid,survey")
    assert body.count("\n") == 1 + 3  # the manager's team only, not team_b's answer
    assert manager_client.get("/export/responses.csv", {"start": "soon"}).status_code == 400


def test_dashboard_renders_numbers_and_svg(manager_client, desk):
    page = manager_client.get("/dashboard/")
    assert page.status_code == 200
    d = page.context["d"]
    assert d["by_state"]["total"] == 3
    assert d["by_state"]["breached"] == 1
    assert [t.pk for t in d["at_risk"]][0] == desk.tickets[2].pk
    assert page.content.count(b"<svg") >= 3
    assert d["nps"]["overall"]["detractors"] == 4
    (alex,) = d["agents"]
    assert (alex.username, alex.open_count, alex.met, alex.breached) == ("alex", 3, 0, 1)
    assert alex.compliance == 0


def test_language_switch_is_remembered_on_profile(agent_client, desk):
    response = agent_client.post(reverse("language"), {"language": "ru", "next": "/queue/mine/"})
    assert response.status_code == 302
    desk.agent.refresh_from_db()
    assert desk.agent.language == "ru"
    html = agent_client.get("/queue/mine/").content.decode()
    assert 'lang="ru"' in html
    assert agent_client.post(reverse("language"), {"language": "xx"}).status_code == 400
    desk.agent.refresh_from_db()
    assert desk.agent.language == "ru"  # the bad value was not saved over the good one


def _count(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/queue/mine/", "/queue/all/", "/dashboard/", "ticket"])
def test_query_count_does_not_grow_with_data(client, url):
    desk = make_desk()
    first = desk.open_ticket()
    client.force_login(desk.agent if url == "/queue/mine/" else desk.manager)
    target = f"/tickets/{first.pk}/" if url == "ticket" else url
    small = _count(client, target)
    for _ in range(12):
        desk.open_ticket()
        factories.ResponseFactory(customer=first.customer, survey=desk.survey, score=9)
    large = _count(client, target)
    assert large == small
    assert small <= 40
