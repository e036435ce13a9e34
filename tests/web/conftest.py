"""A small desk: two teams, an agent in each, a manager of the first, tickets via ingestion."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from intake.services import CustomerData
from sla.models import SlaPolicy
from tests import factories
from tickets.models import RoutingRule, Ticket

_seq = itertools.count(1)


@dataclass
class Desk:
    team_a: object
    team_b: object
    manager: object
    agent: object
    other_agent: object
    survey: object
    source: object
    tickets: list = field(default_factory=list)
    other_ticket: object = None

    def open_ticket(self, *, team_b=False, score=3, ago=dt.timedelta(minutes=10), **kw):
        segment = "smb" if team_b else "enterprise"
        n = next(_seq)
        result = factories.ingest(
            self.survey,
            self.source,
            score=score,
            responded_at=timezone.now() - ago,
            comment=kw.pop("comment", f"Delivery was late again, order {n}, nobody called me back"),
            customer=CustomerData(
                external_id=f"desk-{n}-{timezone.now().timestamp()}",
                email=f"desk{n}@example.com",
                attributes={
                    "name": kw.pop("name", f"Customer {n}"),
                    "segment": segment,
                    "phone": "+7 912 000-00-00",
                    "time_zone": "Asia/Vladivostok",
                },
            ),
        )
        ticket = result.response.ticket
        return Ticket.objects.get(pk=ticket.pk)


def make_desk() -> Desk:
    team_a = factories.TeamFactory(slug="care", name="Customer care")
    team_b = factories.TeamFactory(slug="smb", name="SMB desk")
    manager = factories.UserFactory(username="maria", first_name="Maria", last_name="Manager")
    agent = factories.UserFactory(username="alex", first_name="Alex", last_name="Agent")
    other = factories.UserFactory(username="boris", first_name="Boris", last_name="Other")
    team_a.manager = manager
    team_a.save()
    team_a.members.add(agent)
    team_b.members.add(other)
    SlaPolicy.objects.create(
        name="Standard", first_contact_minutes=60, resolution_minutes=24 * 60, is_default=True
    )
    RoutingRule.objects.create(name="smb", segment="smb", team=team_b, position=1)
    RoutingRule.objects.create(name="enterprise", segment="enterprise", team=team_a, position=2)
    # resolution codes and root causes come from the seeded taxonomy (tickets migration 0003)
    survey = factories.SurveyFactory(slug="nps-2026", name="NPS 2026")
    source = factories.SourceFactory()
    return Desk(team_a, team_b, manager, agent, other, survey, source)


def clocks_mark(now=None) -> None:
    """One run of the periodic SLA sweep, so clock states are what production shows."""
    from sla.sweep import sla_sweep

    sla_sweep(now=now or timezone.now())


@pytest.fixture
def desk(db):
    d = make_desk()
    d.tickets = [d.open_ticket(ago=dt.timedelta(minutes=m)) for m in (5, 50, 120)]
    d.other_ticket = d.open_ticket(team_b=True)
    clocks_mark()
    return d


@pytest.fixture
def agent_client(client, desk):
    client.force_login(desk.agent)
    return client


@pytest.fixture
def manager_client(client, desk):
    client.force_login(desk.manager)
    return client
