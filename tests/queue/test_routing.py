"""Routing: ordered rules pick the team, the team's strategy picks an available agent."""

from __future__ import annotations

import pytest

from tests.factories import (
    CustomerFactory,
    ResponseFactory,
    SurveyFactory,
    TeamFactory,
    UserFactory,
)
from tickets import routing
from tickets.models import RoutingRule, Team, Ticket


@pytest.fixture
def teams(db):
    return {
        slug: TeamFactory(slug=slug, name=slug.title(), is_fallback=(slug == "fallback"))
        for slug in ("fallback", "enterprise", "russian", "angry", "vip", "nps")
    }


RULES = [
    # position, team, conditions
    (0, "angry", {"score_min": 0, "score_max": 1}),
    (1, "vip", {"metadata_key": "tier", "metadata_value": "gold"}),
    (2, "enterprise", {"segment": "Enterprise"}),
    (3, "russian", {"locale": "ru"}),
    (4, "nps", {"survey_slug": "other-survey"}),
]

CASES = [
    # (survey, score, segment, locale, metadata) → team
    ("nps-2026", 0, "enterprise", "ru", {}, "angry"),  # first matching rule wins
    ("nps-2026", 1, "", "", {}, "angry"),
    ("nps-2026", 2, "enterprise", "ru", {"tier": "gold"}, "vip"),
    ("nps-2026", 2, "", "", {"tier": "silver"}, "fallback"),  # value must match
    ("nps-2026", 5, "ENTERPRISE", "en", {}, "enterprise"),  # segment case-insensitive
    ("nps-2026", 5, "smb", "ru-RU", {}, "russian"),  # locale prefix
    ("nps-2026", 5, "smb", "en-US", {}, "fallback"),
    ("other-survey", 6, "smb", "en", {}, "nps"),
    ("nps-2026", 6, "smb", "", {"tier": 7}, "fallback"),
]


@pytest.mark.parametrize("survey_slug,score,segment,locale,metadata,expected", CASES)
def test_rules_pick_the_team(teams, survey_slug, score, segment, locale, metadata, expected):
    surveys = {s: SurveyFactory(slug=s) for s in ("nps-2026", "other-survey")}
    for position, team, conditions in RULES:
        conditions = dict(conditions)
        if "survey_slug" in conditions:
            conditions["survey"] = surveys[conditions.pop("survey_slug")]
        RoutingRule.objects.create(position=position, name=team, team=teams[team], **conditions)
    RoutingRule.objects.create(position=9, name="off", team=teams["vip"], is_active=False)
    response = ResponseFactory(
        survey=surveys[survey_slug],
        score=score,
        customer=CustomerFactory(segment=segment, locale=locale),
        metadata=metadata,
    )
    assert routing.team_for(response).slug == expected


def test_a_fallback_team_always_exists(db):
    response = ResponseFactory()
    team = routing.team_for(response)
    assert team.is_fallback
    assert Team.objects.filter(is_fallback=True).count() == 1


def agents(team, *names, **extra):
    users = [UserFactory(username=name, **extra) for name in names]
    team.members.add(*users)
    return users


@pytest.mark.parametrize(
    "strategy,expected",
    [
        # ann has 2 open, bob 0, cid 1 (unavailable), dan 1; owner is dan
        (Team.Strategy.FEWEST_OPEN, ["bob", "bob", "bob"]),
        (Team.Strategy.ROUND_ROBIN, ["ann", "bob", "dan"]),
        (Team.Strategy.ACCOUNT_OWNER, ["dan", "dan", "dan"]),
    ],
)
def test_strategies_skip_unavailable_agents(db, strategy, expected):
    team = TeamFactory(slug="t", assignment_strategy=strategy)
    ann, bob, dan = agents(team, "ann", "bob", "dan")
    (cid,) = agents(team, "cid", is_available=False)
    owner_customer = CustomerFactory(account_owner=dan)
    busy = {ann: 2, cid: 1, dan: 1}
    for agent, count in busy.items():
        for _ in range(count):
            response = ResponseFactory()
            Ticket.objects.create(
                customer=response.customer, origin_response=response, team=team, assignee=agent
            )
    chosen = []
    for _ in range(3):
        response = ResponseFactory(customer=owner_customer)
        chosen.append(routing.agent_for(Team.objects.get(pk=team.pk), response).username)
    if strategy == Team.Strategy.FEWEST_OPEN:
        assert chosen[0] == "bob"  # nothing assigned in between, so stays bob
    assert chosen == expected


def test_account_owner_outside_the_team_falls_back_to_fewest_open(db):
    team = TeamFactory(slug="t", assignment_strategy=Team.Strategy.ACCOUNT_OWNER)
    (ann,) = agents(team, "ann")
    stranger = UserFactory(username="stranger")
    response = ResponseFactory(customer=CustomerFactory(account_owner=stranger))
    assert routing.agent_for(team, response) == ann


def test_team_without_available_agents_leaves_ticket_in_team_queue(db):
    from tests.factories import SourceFactory, ingest

    team = TeamFactory(slug="empty", is_fallback=True)
    agents(team, "away", is_available=False)
    result = ingest(SurveyFactory(slug="nps-2026"), SourceFactory(), score=2)
    ticket = result.response.ticket
    assert ticket.team == team
    assert ticket.assignee is None
