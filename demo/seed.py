"""Demo data: teams, rules, people and six weeks of answers, loaded through the real
ingestion path so tickets, routing and SLA clocks come out exactly as in production.

Everything is keyed (slugs, usernames, external ids) and the random stream is seeded, so a
second run stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import ROLE_AGENT, ROLE_MANAGER, User
from demo.answers import plan_answers
from demo.data import (
    API_SOURCE,
    CAUSE_WORDS,
    CONTACT_NOTES,
    DEMO_SOURCE,
    PEOPLE,
    RESOLUTION_CODES,
    RESOLUTION_NOTES,
    ROOT_CAUSES,
    SEED,
    SURVEYS,
    TEAMS,
)
from demo.showcase import showcase_seed
from intake.services import response_ingest
from sla.models import SlaPolicy
from sla.sweep import sla_sweep
from surveys.models import IngestionSource, Survey
from tickets.models import (
    PriorityRule,
    ResolutionCode,
    RootCause,
    RoutingRule,
    Status,
    Team,
    Ticket,
)
from tickets.models.contacts import OUTCOMES_BY_CHANNEL
from tickets.services import assignment, contacts, lifecycle
from tickets.services import resolving as ticket_resolving


def password_for(username: str) -> str:
    """Demo-only logins, printed by the command. Change them before exposing the demo."""
    return f"{username}-pass"


@dataclass
class DemoSummary:
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    agent_token: str = ""
    api_source_key: str = ""
    created_answers: int = 0
    advanced_tickets: int = 0


def _sla_defaults_install() -> None:
    """The SLA area's defaults (calendars, policies) when they exist; else one 24/7 policy."""
    try:
        from sla.defaults import install_default_sla
    except ImportError:
        if not SlaPolicy.objects.filter(is_default=True).exists():
            SlaPolicy.objects.get_or_create(
                name="Demo default (24/7)",
                defaults={
                    "first_contact_minutes": 4 * 60,
                    "resolution_minutes": 3 * 24 * 60,
                    "is_default": True,
                },
            )
        return
    install_default_sla()


def _users() -> dict[str, User]:
    users = {}
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "first_name": "Admin", "email": ""},
    )
    if created:
        admin.set_password(password_for("admin"))
        admin.save()
    users["admin"] = admin
    agent_group, _ = Group.objects.get_or_create(name=ROLE_AGENT)
    manager_group, _ = Group.objects.get_or_create(name=ROLE_MANAGER)
    for username, first, last, language, zone, manages in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "language": language,
                "time_zone": zone,
                # Emails are added after the history is loaded, so old tickets page nobody.
                "email": "",
            },
        )
        if created:
            user.set_password(password_for(username))
            user.save()
            user.groups.add(manager_group if manages else agent_group)
        users[username] = user
    return users


def _teams(users: dict[str, User]) -> dict[str, Team]:
    teams = {}
    managers = {team: username for username, *_rest, manages in PEOPLE for team in manages}
    has_other_fallback = Team.objects.filter(is_fallback=True).exclude(
        slug__in=[t[0] for t in TEAMS]
    )
    for slug, name, strategy, agents, fallback in TEAMS:
        team, created = Team.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "assignment_strategy": strategy,
                "manager": users[managers[slug]],
                "is_fallback": fallback and not has_other_fallback.exists(),
            },
        )
        if created:
            team.members.add(*(users[a] for a in agents))
        teams[slug] = team
    return teams


def _surveys() -> dict[str, Survey]:
    surveys = {}
    for slug, name, question, low, high, det, pas, _share in SURVEYS:
        surveys[slug], _ = Survey.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "question": question,
                "scale_min": low,
                "scale_max": high,
                "detractor_max": det,
                "passive_max": pas,
            },
        )
    return surveys


def _rules(teams: dict[str, Team], surveys: dict[str, Survey]) -> None:
    RoutingRule.objects.get_or_create(
        name="Enterprise customers → Enterprise care",
        defaults={"position": 10, "segment": "enterprise", "team": teams["enterprise-care"]},
    )
    RoutingRule.objects.get_or_create(
        name="Delivery topics → Delivery",
        defaults={
            "position": 20,
            "metadata_key": "topic",
            "metadata_value": "delivery",
            "team": teams["delivery"],
        },
    )
    for position, survey, segment, low, high in (
        (10, "nps-2026", "", 0, 3),
        (20, "delivery-nps", "", 0, 3),
        (30, "csat-support", "", 1, 1),
        (40, None, "enterprise", None, None),
    ):
        PriorityRule.objects.get_or_create(
            position=position,
            survey=surveys[survey] if survey else None,
            segment=segment,
            score_min=low,
            score_max=high,
            defaults={"priority": "high"},
        )


def _taxonomy() -> None:
    """The same codes the queue area seeds by migration; get_or_create keeps both happy."""
    for code, name, requires_contact in RESOLUTION_CODES:
        ResolutionCode.objects.get_or_create(
            code=code, defaults={"name": name, "requires_contact": requires_contact}
        )
    for code, name, parent in ROOT_CAUSES:
        RootCause.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": RootCause.objects.get(code=parent) if parent else None,
            },
        )


def _source_key(source: IngestionSource) -> str:
    """A random key, issued once and kept in var/ (only its hash is in the database)."""
    path = Path(settings.VAR_DIR) / "demo-api-key"
    if path.exists():
        key = path.read_text().strip()
        if source.check_key(key):
            return key
    key = source.issue_key()
    source.save(update_fields=["key_prefix", "key_hash"])
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    return key


def _agent_token(user) -> str:
    """Like the source key: made once, kept in var/ (only its hash is in the database)."""
    from accounts.api_tokens import ApiToken, api_token_create, token_hash

    path = Path(settings.VAR_DIR) / "demo-agent-token"
    if path.exists():
        key = path.read_text().strip()
        if ApiToken.objects.filter(
            key_hash=token_hash(key), user=user, revoked_at__isnull=True
        ).exists():
            return key
    _token, key = api_token_create(user=user, name="demo")
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    return key


def _fate(ticket: Ticket, anchor: dt.datetime, rng: random.Random) -> str:
    age = anchor - ticket.created_at
    if age < dt.timedelta(hours=6):
        choices, weights = [Status.NEW, Status.IN_PROGRESS], [85, 15]
    elif age < dt.timedelta(days=3):
        choices = [Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER, Status.RESOLVED]
        weights = [45, 30, 12, 13]
    elif age < dt.timedelta(days=14):
        choices = [
            Status.NEW,
            Status.IN_PROGRESS,
            Status.WAITING_ON_CUSTOMER,
            Status.RESOLVED,
            Status.CLOSED,
        ]
        weights = [5, 20, 10, 55, 10]
    else:
        choices, weights = [Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED], [5, 45, 50]
    return rng.choices(choices, weights=weights)[0]


def _root_cause_for(comment: str, rng: random.Random) -> RootCause:
    text = comment.lower()
    for code, words in CAUSE_WORDS:
        if any(word in text for word in words):
            return RootCause.objects.get(code=code)
    return rng.choice(list(RootCause.objects.filter(parent__isnull=False).order_by("code")))


def _advance_demo_tickets(*, now: dt.datetime, anchor: dt.datetime) -> int:
    """Moves demo tickets along: contact attempts, waiting, resolved with a root cause, closed.

    Written against the models because the queue services were not in main yet; when they
    are, this is the one place to switch to contact_attempt_log / ticket_status_set /
    ticket_resolve / ticket_close. Each ticket's fate comes from its own seeded stream and
    the first demo run's time (anchor), and only untouched `new` tickets move, so a second
    run changes nothing and work done by hand is left alone.
    """
    moved = 0
    tickets = (
        Ticket.objects.filter(
            origin_response__source__slug=DEMO_SOURCE,
            status=Status.NEW,
            contact_attempts__isnull=True,
        )
        .select_related("customer", "origin_response", "team__manager", "assignee")
        .order_by("pk")
    )
    for ticket in tickets:
        rng = random.Random(f"{SEED}:{ticket.origin_response.external_id}")
        fate = _fate(ticket, anchor, rng)
        if fate == Status.NEW:
            continue
        with transaction.atomic():
            _advance_one(ticket, fate, rng, now)
        moved += 1
    if moved:
        sla_sweep(now=now)  # the warnings and breaches beat has recorded by now
    return moved


def _advance_one(ticket: Ticket, fate: str, rng: random.Random, now: dt.datetime) -> None:
    """Works one ticket through the same services an agent uses, with the clock set back."""
    locale = "ru" if ticket.customer.locale == "ru" else "en"
    actor = ticket.assignee or ticket.team.manager
    if actor is None:
        return
    if ticket.assignee_id is None:
        at = ticket.created_at + dt.timedelta(minutes=rng.randint(5, 90))
        ticket = assignment.ticket_assign(ticket=ticket, by=actor, assignee=actor, now=min(at, now))
    # Most first calls happen within a few hours; some slip past the deadline. Each attempt
    # is logged when it happens (now=at), so the clocks meet or breach by the real times;
    # the sweep runs once at the end (_advance_demo_tickets): a sweep at one ticket's time
    # would flag other tickets' deadlines before their own earlier calls were logged.
    low, high = rng.choices([(15, 180), (180, 480), (480, 1800)], weights=[65, 25, 10])[0]
    at = ticket.created_at + dt.timedelta(minutes=rng.randint(low, high))
    resolving = fate in (Status.RESOLVED, Status.CLOSED)
    tries = rng.randint(0, 2)
    preferred = ticket.customer.preferred_channel or "phone"
    for number in range(tries + 1):
        channel = preferred if preferred != "messenger" or number else "phone"
        offered = {code for code, _label in OUTCOMES_BY_CHANNEL[channel]}
        if number < tries:
            outcome = rng.choice(sorted(offered & {"no_answer", "voicemail"}))
        else:
            outcome = "reached" if resolving else rng.choice(["reached", "no_answer"])
        at = min(at, now)
        contacts.contact_attempt_log(
            ticket=ticket,
            by=actor,
            channel=channel,
            outcome=outcome,
            note=CONTACT_NOTES[locale][min(number, 2) if outcome != "reached" else 2],
            occurred_at=at,
            now=at,
        )
        at += dt.timedelta(hours=rng.randint(2, 30))
    if fate == Status.WAITING_ON_CUSTOMER:
        lifecycle.ticket_status_set(
            ticket=ticket, by=actor, status=Status.WAITING_ON_CUSTOMER, now=min(at, now)
        )
    if resolving and at <= now:
        cause = _root_cause_for(ticket.origin_response.comment, rng)
        goodwill = rng.random() < 0.3
        code = (
            "goodwill_offered" if goodwill else rng.choice(["resolved_explained", "resolved_fixed"])
        )
        ticket_resolving.ticket_resolve(
            ticket=ticket,
            by=actor,
            code=code,
            root_cause=cause.code,
            note=rng.choice(RESOLUTION_NOTES[locale]),
            goodwill={
                "kind": rng.choice(["discount", "gift", "refund"]),
                "amount": str(rng.choice([500, 1000, 1500, 2000])),
                "currency": "RUB" if locale == "ru" else "EUR",
            }
            if goodwill
            else None,
            now=at,
        )
        closed_at = at + dt.timedelta(days=7)
        if fate == Status.CLOSED and closed_at <= now:
            lifecycle.ticket_close(ticket=ticket, by=None, now=closed_at)


def demo_seed(*, now: dt.datetime | None = None) -> DemoSummary:
    """Loads the demo; safe to run again (nothing new is stored the second time)."""
    now = now or timezone.now()
    summary = DemoSummary()
    _sla_defaults_install()
    users = _users()
    teams = _teams(users)
    surveys = _surveys()
    _rules(teams, surveys)
    _taxonomy()
    demo_source, _ = IngestionSource.objects.get_or_create(
        slug=DEMO_SOURCE,
        defaults={"name": "Demo history", "kind": IngestionSource.Kind.IMPORT},
    )
    api_source, _ = IngestionSource.objects.get_or_create(
        slug=API_SOURCE, defaults={"name": "Shop API", "kind": IngestionSource.Kind.API}
    )
    summary.api_source_key = _source_key(api_source)
    # The first run's moment anchors the history, so later runs plan the same fates.
    anchor = demo_source.created_at
    for planned in plan_answers(surveys, anchor):
        result = response_ingest(
            source=demo_source, data=planned.data, now=planned.data.responded_at
        )
        summary.created_answers += int(result.created)
    summary.advanced_tickets = _advance_demo_tickets(now=now, anchor=anchor)
    if showcase_seed(survey=surveys["nps-2026"], anchor=anchor):
        sla_sweep(now=now)
    for username, *_rest in PEOPLE:
        user = users[username]
        if not user.email:
            user.email = f"{username}@feedback-desk.example"
            user.save(update_fields=["email"])
    summary.agent_token = _agent_token(users["agent"])
    summary.logins = [
        (role, username, password_for(username))
        for role, username in (("admin", "admin"), ("manager", "manager"), ("agent", "agent"))
    ]
    return summary
