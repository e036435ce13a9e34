"""Queue fixtures: two teams with their agents, a manager, an admin, and tickets opened
through the real ingestion path (a routing rule on metadata sends each to its team)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from intake.services import CustomerData
from sla.models import SlaPolicy
from tests.factories import SourceFactory, SurveyFactory, TeamFactory, UserFactory, ingest
from tickets.models import RoutingRule, Ticket

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def user_with_role(username: str, role: str, **extra):
    user = UserFactory(username=username, **extra)
    user.groups.add(Group.objects.get_or_create(name=role)[0])  # flushed by transactional tests
    return user


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Five users per test: the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def policy(db):
    return SlaPolicy.objects.create(
        name="Default", first_contact_minutes=240, resolution_minutes=2880, is_default=True
    )


@pytest.fixture
def world(db, policy):
    """team_a (agent_a, agent_a2, managed by manager), team_b (agent_b), an admin."""

    class World:
        pass

    w = World()
    w.survey = SurveyFactory(slug="nps-2026")
    w.source = SourceFactory()
    w.manager = user_with_role("manager", "manager")
    w.agent_a = user_with_role("agent_a", "agent")
    w.agent_a2 = user_with_role("agent_a2", "agent")
    w.agent_b = user_with_role("agent_b", "agent")
    w.admin = user_with_role("boss", "admin")
    w.team_a = TeamFactory(slug="team-a", name="Team A", manager=w.manager)
    w.team_a.members.add(w.agent_a, w.agent_a2)
    w.team_b = TeamFactory(slug="team-b", name="Team B")
    w.team_b.members.add(w.agent_b)
    TeamFactory(slug="general", name="General", is_fallback=True)
    for position, team in enumerate((w.team_a, w.team_b)):
        RoutingRule.objects.create(
            position=position,
            name=f"to {team.slug}",
            metadata_key="route",
            metadata_value=team.slug,
            team=team,
        )
    return w


_seq = iter(range(10**6))


def open_ticket(
    world, team=None, *, now=None, score=3, customer=None, unassigned=False, **customer_attrs
) -> Ticket:
    """A detractor answer through ingestion, routed to `team` (team_a by default)."""
    team = team or world.team_a
    n = next(_seq)
    customer = customer or CustomerData(
        external_id=f"q-cust-{n}",
        email=f"q{n}@example.com",
        attributes={"name": f"Customer {n}", **customer_attrs},
    )
    result = ingest(
        world.survey,
        world.source,
        score=score,
        customer=customer,
        responded_at=now or timezone.now(),
        metadata={"route": team.slug},
        comment=f"complaint number {n}",
    )
    if unassigned:
        Ticket.objects.filter(pk=result.response.ticket_id).update(assignee=None)
    return Ticket.objects.get(pk=result.response.ticket_id)
