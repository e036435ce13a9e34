"""Rows built for bulk inserts without Model.__init__ are the rows Model(...) builds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from feedback_desk.unsaved import unsaved
from notifications.models import Delivery
from surveys.models import Customer, Response, Survey
from tickets.models import Team, Ticket

AT = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


def columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_an_answer_and_an_outbox_row_match_the_constructor():
    survey, customer = Survey(pk=3, slug="nps"), Customer(pk=5, email="a@example.com")
    given = dict(external_id="x-1", score=4, category="detractor", responded_at=AT)
    built = unsaved(Response, {"survey": survey, "customer": customer}, **given)
    made = Response(survey=survey, customer=customer, **given)
    assert columns(built) == columns(made)
    assert built.survey is survey and built.customer is customer  # cached, no query
    assert built.metadata == {} and built.metadata is not unsaved(Response).metadata
    row = dict(event_key="e", topic="t", channel="email", recipient="r", payload={"a": 1})
    assert columns(unsaved(Delivery, None, **row)) == columns(Delivery(**row))


def test_a_given_value_wins_over_a_default_and_the_default_is_not_computed():
    team = Team(pk=1, slug="care")
    ticket = unsaved(Ticket, {"team": team}, created_at=AT, priority="high")
    assert ticket.created_at == AT and ticket.team_id == 1 and ticket.priority == "high"
    assert model_to_dict(ticket)["status"] == Ticket(team=team).status


def test_a_relation_given_as_a_column_value_is_refused():
    with pytest.raises(TypeError, match="customer"):
        unsaved(Ticket, None, customer=Customer(pk=5))
