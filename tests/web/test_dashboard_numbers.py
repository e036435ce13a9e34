"""The dashboard's numbers against an independent count in Python over the same rows.

A seeded random desk: tickets in and out of the manager's teams, the period, the survey
and the segment; clocks met on time, met late, breached and marked, overdue and unmarked,
paused; resolutions with root causes. Every figure the dashboard shows (besides the live
open-ticket SLA states, covered by the queue's tests) is recomputed here row by row.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from reports.selectors import Period
from reports.sla_selectors import percentile
from sla.models import SlaClock
from tests import factories
from tickets.models import OPEN_STATUSES, Resolution, ResolutionCode, RootCause, Ticket
from web.selectors import DURATION_BUCKETS, dashboard_data

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # a Wednesday
H = dt.timedelta(hours=1)


def _clock(ticket, kind, rnd: random.Random, target: dt.timedelta, met: dt.datetime | None):
    due = ticket.created_at + target
    paused = None
    breached = None
    if met is None:
        fate = rnd.random()
        if fate < 0.15 and due > NOW:
            paused = NOW - H
        elif due <= NOW and fate < 0.6:
            breached = due  # the sweep marked it; the rest stay overdue and unmarked
    elif met > due and rnd.random() < 0.5:
        breached = due
    return SlaClock(
        ticket=ticket,
        kind=kind,
        started_at=ticket.created_at,
        target_minutes=int(target.total_seconds() // 60),
        due_at=due,
        warn_at=due - target / 4,
        met_at=met,
        breached_at=breached,
        paused_at=paused,
        state=SlaClock.State.RUNNING,
    )


def make_world(seed: int = 7):
    rnd = random.Random(seed)
    manager = factories.UserFactory(username="mgr")
    teams = [factories.TeamFactory(slug=f"t{i}") for i in range(3)]
    for team in teams[:2]:
        team.manager = manager
        team.save()
    agents = [factories.UserFactory(username=f"agent{i}") for i in range(4)]
    surveys = [factories.SurveyFactory(slug="nps"), factories.SurveyFactory(slug="csat")]
    codes = list(ResolutionCode.objects.all())
    causes = list(RootCause.objects.filter(parent__isnull=False)) + [None]
    clocks = []
    for _ in range(90):
        created = NOW - dt.timedelta(hours=rnd.choice([1, 3, 20, 50, 100, 300, 800, 1500]))
        customer = factories.CustomerFactory(segment=rnd.choice(["smb", "enterprise", ""]))
        response = factories.ResponseFactory(
            customer=customer,
            survey=rnd.choice(surveys),
            score=rnd.randint(0, 6),
            responded_at=created,
        )
        first_contact = (
            created + dt.timedelta(minutes=rnd.choice([10, 50, 200, 2000, 9000]))
            if rnd.random() < 0.7
            else None
        )
        first_contact = first_contact if first_contact and first_contact <= NOW else None
        resolved = (
            first_contact + dt.timedelta(hours=rnd.choice([1, 5, 30, 100, 200]))
            if first_contact and rnd.random() < 0.6
            else None
        )
        resolved = resolved if resolved and resolved <= NOW else None
        status = (
            rnd.choice(["resolved", "closed"])
            if resolved
            else rnd.choice(["new", "in_progress", "waiting_on_customer"])
        )
        ticket = Ticket.objects.create(
            customer=customer,
            origin_response=response,
            team=rnd.choice(teams),
            assignee=rnd.choice(agents + [None]),
            status=status,
            created_at=created,
            first_contacted_at=first_contact,
            resolved_at=resolved,
            recovered=rnd.choice([None, None, True, False]) if resolved else None,
        )
        clocks.append(_clock(ticket, "first_contact", rnd, 4 * H, first_contact))
        clocks.append(_clock(ticket, "resolution", rnd, 48 * H, resolved))
        if resolved:
            Resolution.objects.create(
                ticket=ticket,
                code=rnd.choice(codes),
                root_cause=rnd.choice(causes),
                resolved_by=ticket.assignee,
                resolved_at=resolved,
            )
    SlaClock.objects.bulk_create(clocks)
    return manager, teams, surveys


def in_scope(ticket, team_ids, survey, segment) -> bool:
    return (
        ticket.team_id in team_ids
        and (survey is None or ticket.origin_response.survey_id == survey.pk)
        and (not segment or ticket.customer.segment == segment)
    )


def clock_met(c) -> bool:
    return c.met_at is not None and c.breached_at is None and c.met_at <= c.due_at


def clock_breached(c, now) -> bool:
    return (
        c.breached_at is not None
        or (c.met_at is not None and c.met_at > c.due_at)
        or (c.met_at is None and c.paused_at is None and c.due_at <= now)
    )


def expected(team_ids, survey, segment, start):
    tickets = [
        t
        for t in Ticket.objects.select_related("customer", "origin_response")
        if in_scope(t, team_ids, survey, segment)
    ]
    ids = {t.pk for t in tickets}
    period = [t for t in tickets if t.created_at >= start]
    period_ids = {t.pk for t in period}
    by_ticket = {t.pk: t for t in tickets}
    clocks = [c for c in SlaClock.objects.all() if c.ticket_id in ids]
    day_start = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - dt.timedelta(days=day_start.weekday())

    def breached_since(c, since):
        return (c.breached_at is not None and c.breached_at >= since) or (
            c.breached_at is None
            and c.met_at is None
            and c.paused_at is None
            and since <= c.due_at <= NOW
        )

    out = {
        "breaches": {
            "today": sum(breached_since(c, day_start) for c in clocks),
            "week": sum(breached_since(c, week_start) for c in clocks),
        },
        "tickets_opened": len(period),
    }
    for kind in ("first_contact", "resolution"):
        mine = [c for c in clocks if c.kind == kind and c.ticket_id in period_ids]
        end_field = "first_contacted_at" if kind == "first_contact" else "resolved_at"
        seconds = [
            (getattr(t, end_field) - t.created_at).total_seconds()
            for t in period
            if getattr(t, end_field)
        ]
        median = percentile(seconds, 0.5)
        p90 = percentile(seconds, 0.9)
        out[kind] = {
            "met": sum(clock_met(c) for c in mine),
            "breached": sum(clock_breached(c, NOW) for c in mine),
            "median_seconds": round(median) if median is not None else None,
            "p90_seconds": round(p90) if p90 is not None else None,
        }
        hist = []
        for lo, hi in DURATION_BUCKETS:
            hist.append(sum(lo <= s and (hi is None or s < hi) for s in seconds))
        out["fc_hist" if kind == "first_contact" else "res_hist"] = hist
    agents = {}
    for t in tickets:
        if t.assignee_id and t.status in OPEN_STATUSES:
            agents.setdefault(t.assignee_id, [0, 0, 0])[0] += 1
    for c in clocks:
        t = by_ticket[c.ticket_id]
        if c.ticket_id in period_ids and t.assignee_id:
            row = agents.setdefault(t.assignee_id, [0, 0, 0])
            row[1] += clock_met(c)
            row[2] += clock_breached(c, NOW)
    out["agents"] = agents
    causes = {}
    for r in Resolution.objects.select_related("root_cause__parent"):
        if r.ticket_id in ids and r.resolved_at >= start:
            cause = r.root_cause
            key = "" if cause is None else cause.name
            if cause is not None and cause.parent is not None:
                key = f"{cause.parent.name} → {cause.name}"
            causes[key] = causes.get(key, 0) + 1
    out["pareto"] = causes
    out["recovery"] = (
        sum(t.recovered is True for t in period),
        sum(t.recovered is not None for t in period),
    )
    return out


@pytest.mark.parametrize("scope", ["all", "team", "survey", "segment"])
def test_dashboard_numbers_match_a_count_over_the_rows(scope, settings):
    settings.TIME_ZONE = "UTC"
    manager, teams, surveys = make_world()
    from tickets.selectors import teams_managed_by

    start = NOW - dt.timedelta(days=30)
    team = teams[0] if scope == "team" else None
    survey = surveys[0] if scope == "survey" else None
    segment = "smb" if scope == "segment" else None
    team_ids = {team.pk} if team else {t.pk for t in teams[:2]}
    want = expected(team_ids, survey, segment, start)
    d = dashboard_data(
        teams=teams_managed_by(manager),
        team=team,
        survey=survey,
        segment=segment,
        period=Period(start=start),
        now=NOW,
    )
    assert want["tickets_opened"] > 5  # the world is not trivially empty
    assert d["breaches"] == want["breaches"]
    assert d["sla"]["tickets_opened"] == want["tickets_opened"]
    for kind in ("first_contact", "resolution"):
        got = d["sla"][kind]
        assert {k: got[k] for k in want[kind]} == want[kind], kind
    assert d["fc_hist"] == want["fc_hist"]
    assert d["res_hist"] == want["res_hist"]
    got_agents = {a.pk: [a.open_count, a.met, a.breached] for a in d["agents"]}
    assert got_agents == want["agents"]
    assert d["pareto"]["total"] == sum(want["pareto"].values())
    assert sorted(i["n"] for i in d["pareto"]["items"]) == sorted(want["pareto"].values())
    assert len(want["pareto"]) <= 12  # all of them fit in the chart, so compare by name
    assert {i["cause"]: i["n"] for i in d["pareto"]["items"]} == want["pareto"]
    counts = [i["n"] for i in d["pareto"]["items"]]
    assert counts == sorted(counts, reverse=True)
    assert (d["recovery"]["recovered"], d["recovery"]["rerated"]) == want["recovery"]


def test_reports_api_gives_the_dashboards_numbers(api, settings):
    """One place computes them: the API's SLA and NPS reports equal the dashboard's."""
    import time_machine

    from tickets.selectors import teams_managed_by

    settings.TIME_ZONE = "UTC"
    manager, teams, surveys = make_world(seed=11)
    start = NOW - dt.timedelta(days=30)
    d = dashboard_data(
        teams=teams_managed_by(manager),
        team=teams[0],
        survey=None,
        segment=None,
        period=Period(start=start),
        now=NOW,
    )
    api.force_authenticate(manager)
    params = {"start": start.isoformat(), "team": teams[0].slug}
    with time_machine.travel(NOW, tick=False):
        sla = api.get("/api/v1/reports/sla/", params).json()
        nps = api.get("/api/v1/reports/nps/", {"start": start.isoformat()}).json()
    assert sla["tickets_opened"] > 5
    assert sla == d["sla"]
    # the NPS tile follows the team filter (its scope says so); unfiltered it is the API's
    assert d["nps_scope"]["kind"] == "team"
    every = dashboard_data(
        teams=teams_managed_by(manager),
        team=None,
        survey=None,
        segment=None,
        period=Period(start=start),
        now=NOW,
    )
    assert every["nps_scope"]["kind"] == "all_teams"
    assert nps["overall"] == every["nps"]["overall"]
    assert [row["period_start"] for row in nps["series"]] == [
        row["period_start"].isoformat() for row in every["nps"]["series"]
    ]
