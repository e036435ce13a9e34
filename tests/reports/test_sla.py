import datetime as dt

import pytest

from reports.selectors import Period
from reports.sla_selectors import percentile, sla_report
from sla.models import SlaClock
from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def make_ticket(
    team,
    *,
    fc_after=None,
    res_after=None,
    fc_target=2 * H,
    res_target=24 * H,
    breached_marked=False,
    created=T0,
):
    customer = factories.CustomerFactory()
    response = factories.ResponseFactory(customer=customer, score=2, responded_at=created)
    ticket = Ticket.objects.create(
        customer=customer,
        origin_response=response,
        team=team,
        created_at=created,
        first_contacted_at=created + fc_after if fc_after else None,
        resolved_at=created + res_after if res_after else None,
        status="resolved" if res_after else "new",
    )
    for kind, after, target in (
        ("first_contact", fc_after, fc_target),
        ("resolution", res_after, res_target),
    ):
        due = created + target
        SlaClock.objects.create(
            ticket=ticket,
            kind=kind,
            started_at=created,
            target_minutes=int(target.total_seconds() // 60),
            due_at=due,
            warn_at=due - H / 2,
            met_at=created + after if after else None,
            breached_at=due if (breached_marked and kind == "first_contact") else None,
        )
    return ticket


@pytest.fixture
def team(db):
    return factories.TeamFactory(slug="care")


def test_counts_rates_and_durations(team):
    now = T0 + 100 * H
    make_ticket(team, fc_after=1 * H, res_after=10 * H)  # both met
    make_ticket(team, fc_after=3 * H, res_after=30 * H)  # both late (met after due)
    make_ticket(team, fc_after=H / 2, res_after=None)  # fc met, resolution overdue, unmarked
    make_ticket(team, fc_after=None, breached_marked=True)  # fc breached (marked), res overdue
    other = factories.TeamFactory(slug="other")
    make_ticket(other, fc_after=H)
    report = sla_report(team=team, now=now)
    assert report["tickets_opened"] == 4
    assert report["first_contact"]["met"] == 2
    assert report["first_contact"]["breached"] == 2
    assert report["first_contact"]["met_rate"] == 50.0
    assert report["resolution"]["met"] == 1
    assert report["resolution"]["breached"] == 3
    assert report["resolution"]["met_rate"] == 25.0
    # first contact durations: 0.5h, 1h, 3h -> median 1h, p90 = 1h + 0.8*(2h) = 2.6h
    assert report["first_contact"]["median_seconds"] == 3600
    assert report["first_contact"]["p90_seconds"] == round(2.6 * 3600)
    # resolution: 10h, 30h -> median 20h
    assert report["resolution"]["median_seconds"] == 20 * 3600


def test_period_is_half_open_on_created_at(team):
    make_ticket(team, created=T0)
    make_ticket(team, created=T0 + 24 * H)
    report = sla_report(period=Period(start=T0, end=T0 + 24 * H), now=T0 + 48 * H)
    assert report["tickets_opened"] == 1


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([5], 0.9) == 5
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([10, 20, 30, 40, 50], 0.9) == 46


def test_api_sla_scoped_to_the_callers_teams(team, api):
    manager = factories.UserFactory(username="mgr")
    team.manager = manager
    team.save()
    make_ticket(team, fc_after=H)
    make_ticket(factories.TeamFactory(slug="other"), fc_after=H)
    api.force_authenticate(manager)
    body = api.get("/api/v1/reports/sla/", {"start": "2026-11-01"}).json()
    assert body["tickets_opened"] == 1
    assert body["first_contact"]["met"] == 1
    response = api.get("/api/v1/reports/sla/", {"team": "other"})
    assert response.status_code == 400
    assert "team" in response.json()["errors"]
    assert api.get("/api/v1/reports/sla/", {"start": "11/01/2026"}).status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/reports/sla/", "/api/v1/reports/nps/"])
def test_api_refuses_an_end_date_past_the_calendar(team, api, url):
    api.force_authenticate(factories.UserFactory(is_superuser=True))
    response = api.get(url, {"end": "9999-12-31"})
    assert response.status_code == 400
    assert "end" in response.json()["errors"]


@pytest.mark.parametrize(
    "params", [{"start": "0001-01-01T00:00:00+03:00"}, {"end": "9999-12-31T23:00:00-05:00"}]
)
def test_api_refuses_moments_no_calendar_holds(team, api, params):
    api.force_authenticate(factories.UserFactory(is_superuser=True))
    response = api.get("/api/v1/reports/sla/", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)
