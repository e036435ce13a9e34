"""A small world for the batch engine's tests: teams with both assignment strategies,
routing, priority and SLA rules (one on a business calendar), a webhook endpoint, known
customers with open and recently resolved tickets; random batches over it; and the
database state normalised so two runs compare with their ids aside."""

from __future__ import annotations

import datetime as dt
import json
import random
import re

from django.conf import settings

from intake.services import CustomerData, ResponseData, response_ingest
from intake.validation import Invalid
from notifications.models import Delivery, WebhookEndpoint
from sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaPolicyRule, WorkingHours
from surveys.models import Customer, Response
from tests.factories import SourceFactory, SurveyFactory, TeamFactory, UserFactory
from tickets.models import PriorityRule, RoutingRule, Status, Team, Ticket, TicketEvent

NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=dt.UTC)
COMMENTS = ["Долго ждал доставку", "Nobody called back", "", "Всё плохо, верните деньги", "ok"]


def world_build(*, seed: int = 7) -> dict:
    agents = [UserFactory(username=f"agent{i}", language="ru" if i % 2 else "en") for i in range(4)]
    general = TeamFactory(
        slug="general", is_fallback=True, assignment_strategy=Team.Strategy.ROUND_ROBIN
    )
    general.members.set(agents[:3])
    vip = TeamFactory(slug="vip", assignment_strategy=Team.Strategy.FEWEST_OPEN)
    vip.members.set(agents[1:])
    owners = TeamFactory(slug="owners", assignment_strategy=Team.Strategy.ACCOUNT_OWNER)
    owners.members.set(agents[2:])
    RoutingRule.objects.create(position=1, name="vip", segment="vip", team=vip)
    RoutingRule.objects.create(position=2, name="ru", locale="ru", team=owners)
    PriorityRule.objects.create(position=1, score_max=2, priority="urgent")
    PriorityRule.objects.create(position=2, segment="vip", priority="high")
    SlaPolicy.objects.create(
        name="default", first_contact_minutes=240, resolution_minutes=2880, is_default=True
    )
    calendar = BusinessCalendar.objects.create(name="Moscow", time_zone="Europe/Moscow")
    for weekday in range(5):
        WorkingHours.objects.create(
            calendar=calendar, weekday=weekday, start=dt.time(9), end=dt.time(18)
        )
    vip_policy = SlaPolicy.objects.create(
        name="vip", calendar=calendar, first_contact_minutes=60, resolution_minutes=960
    )
    SlaPolicyRule.objects.create(policy=vip_policy, segment="vip", position=1)
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/hook", topics=[])
    survey = SurveyFactory(slug="nps-2026")
    other = SurveyFactory(slug="csat", reopen_within_days=0)
    source = SourceFactory()
    rng = random.Random(seed)
    known = []
    for n in range(12):
        data = customer_data(rng, f"known-{n}", agents=agents)
        result = response_ingest(
            source=source,
            data=answer(survey, f"seed-{n}", 2 if n % 3 == 0 else rng.choice([2, 5, 9]), data),
            now=NOW - dt.timedelta(days=3),
        )
        known.append(data)
        if n % 3 == 0 and result.response.ticket_id:  # some resolved recently, some long ago
            days = 2 if n % 2 else 40
            Ticket.objects.filter(pk=result.response.ticket_id).update(
                status=Status.RESOLVED, resolved_at=NOW - dt.timedelta(days=days)
            )
    return {"survey": survey, "other": other, "source": source, "known": known, "rng": rng}


def customer_data(rng: random.Random, key: str, *, agents=()) -> CustomerData:
    shape = rng.choice(["both", "external", "email"])
    attributes = {
        "name": rng.choice(["Анна Петрова", "John Smith", ""]),
        "segment": rng.choice(["vip", "smb", ""]),
        "locale": rng.choice(["ru-RU", "en", ""]),
    }
    return CustomerData(
        external_id=None if shape == "email" else f"ext-{key}",
        email=None if shape == "external" else f"{key}@example.com",
        attributes={k: v for k, v in attributes.items() if v},
    )


def answer(survey, external_id: str, score: int, customer: CustomerData) -> ResponseData:
    return ResponseData(
        survey=survey,
        external_id=external_id,
        score=score,
        customer=customer,
        responded_at=NOW - dt.timedelta(minutes=5),
        comment=random.choice(COMMENTS),
        channel="email",
        metadata={"k": external_id},
    )


def batch_random(world: dict, size: int, tag: str) -> list:
    """New and known customers, replays (same and other score), repeats inside the
    batch, answers to another survey, and bad rows."""
    rng: random.Random = world["rng"]
    items: list = []
    for n in range(size):
        roll = rng.random()
        if n == 0:  # a known customer whose ticket was resolved two days ago
            items.append(
                answer(
                    world["survey"], f"{tag}-{n}", 1, world["known"][3 + 6 * (rng.random() < 0.5)]
                )
            )
            continue
        if roll < 0.08:
            items.append(Invalid({"score": ["Must be a whole number."]}))
            continue
        if roll < 0.18:
            seed = rng.randrange(12)
            score = rng.choice([2, 5, 9])
            items.append(answer(world["survey"], f"seed-{seed}", score, world["known"][seed]))
            continue
        if roll < 0.26 and items and isinstance(items[-1], ResponseData):
            previous = items[-1]
            items.append(
                answer(previous.survey, previous.external_id, rng.randrange(11), previous.customer)
            )
            continue
        if roll < 0.6:
            customer = rng.choice(world["known"])
            customer = (
                CustomerData(
                    external_id=customer.external_id,
                    email=customer.email if rng.random() < 0.5 else None,
                    attributes=customer_data(rng, "x").attributes,
                )
                if customer.external_id
                else customer
            )
        else:
            customer = customer_data(rng, f"{tag}-{rng.randrange(size)}")
        survey = world["survey"] if rng.random() < 0.85 else world["other"]
        items.append(answer(survey, f"{tag}-{n}", rng.randrange(11), customer))
    return items


# --- the state, normalised ---------------------------------------------------------------


def state_snapshot(since: dt.datetime) -> dict:
    customers = {c.pk: c for c in Customer.objects.all()}
    ckey = {pk: (c.external_id, c.email) for pk, c in customers.items()}
    responses = {r.pk: r for r in Response.objects.select_related("source")}
    rkey = {pk: (r.source.slug, r.external_id) for pk, r in responses.items()}
    tickets = {t.pk: t for t in Ticket.objects.all()}
    tkey = {pk: rkey[t.origin_response_id] for pk, t in tickets.items()}

    def text(value) -> str:
        raw = json.dumps(value, sort_keys=True, default=str)
        raw = re.sub(rf"{settings.TICKET_PREFIX}-(\d+)", lambda m: str(tkey[int(m[1])]), raw)
        raw = re.sub(r"ticket:(\d+):", lambda m: f"ticket:{tkey[int(m[1])]}:", raw)
        return re.sub(r"/tickets/(\d+)/", lambda m: f"/tickets/{tkey[int(m[1])]}/", raw)

    def data(value: dict) -> str:
        value = dict(value)
        if "response" in value:
            value["response"] = rkey[value["response"]]
        ticket = (value.get("data") or value).get("ticket") if isinstance(value, dict) else None
        if isinstance(ticket, dict):
            ticket["id"] = tkey[ticket["id"]]
            ticket["customer"]["id"] = ckey[ticket["customer"]["id"]]
        return text(value)

    skip = {"id", "created_at", "updated_at"}
    return {
        "customers": sorted(
            (
                *(
                    str(getattr(c, f.attname))
                    for f in Customer._meta.concrete_fields
                    if f.name not in skip
                ),
                c.updated_at >= since,
            )
            for c in customers.values()
        ),
        "responses": sorted(
            (
                rkey[r.pk],
                ckey[r.customer_id],
                r.survey_id,
                r.score,
                r.category,
                r.comment,
                r.channel,
                r.responded_at,
                text(r.metadata),
                tkey.get(r.ticket_id) if r.ticket_id else None,
            )
            for r in responses.values()
        ),
        "tickets": sorted(
            (
                tkey[t.pk],
                ckey[t.customer_id],
                t.status,
                t.priority,
                t.priority_rank,
                t.team_id,
                t.assignee_id,
                t.sla_policy_id,
                t.created_at,
                t.resolved_at,
                t.closed_at,
                t.reopened_count,
                t.next_due_at,
                t.sla_state,
            )
            for t in tickets.values()
        ),
        "clocks": sorted(
            (
                tkey[c.ticket_id],
                c.kind,
                c.state,
                c.started_at,
                c.target_minutes,
                c.due_at,
                c.warn_at,
                c.next_check_at,
                c.met_at,
                c.paused_seconds,
            )
            for c in SlaClock.objects.all()
        ),
        "events": sorted(
            (tkey[e.ticket_id], e.kind, e.actor_id, e.at, data(e.data))
            for e in TicketEvent.objects.all()
        ),
        "deliveries": sorted(
            (text(d.event_key), d.topic, d.channel, d.recipient, d.status, data(d.payload))
            for d in Delivery.objects.all()
        ),
        "teams": sorted(Team.objects.values_list("slug", "last_assigned_id")),
    }


def results_normalised(results) -> list:
    out = []
    for r in results:
        response = r.response
        out.append(
            (
                r.status,
                (response.source.slug, response.external_id) if response else None,
                bool(r.ticket_id),
                sorted(r.errors) if r.status == "error" else None,
            )
        )
    return out
