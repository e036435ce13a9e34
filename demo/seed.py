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
from demo.comments import COMMENTS
from surveys.models import IngestionSource, Survey
from surveys.services import CustomerData, ResponseData, response_ingest
from tickets import services
from tickets.models import (
    PriorityRule,
    ResolutionCode,
    RootCause,
    RoutingRule,
    SlaPolicy,
    Status,
    Team,
    Ticket,
)
from tickets.sla_sweep import sla_sweep

SEED = 2026
CUSTOMERS = 300
ANSWERS = 650
DAYS = 42
DEMO_SOURCE = "demo"
API_SOURCE = "api"

# username, first name, last name, language, time zone, teams it manages
PEOPLE = [
    ("manager", "Marina", "Sokolova", "ru", "Europe/Moscow", ["enterprise-care"]),
    ("agent", "Alex", "Morgan", "en", "Europe/Berlin", []),
    ("ivan", "Иван", "Петров", "ru", "Europe/Moscow", []),
    ("olga", "Ольга", "Смирнова", "ru", "Asia/Yekaterinburg", ["retail-support"]),
    ("dmitry", "Дмитрий", "Козлов", "ru", "Asia/Yekaterinburg", []),
    ("emma", "Emma", "Walker", "en", "America/New_York", []),
    ("peter", "Peter", "Klein", "en", "Europe/Berlin", ["delivery"]),
    ("sergey", "Сергей", "Волков", "ru", "Europe/Moscow", []),
    ("julia", "Julia", "Weber", "en", "Europe/Berlin", []),
]
TEAMS = [
    # slug, name, strategy, agents, fallback
    ("enterprise-care", "Enterprise care", Team.Strategy.FEWEST_OPEN, ["agent", "ivan"], False),
    ("retail-support", "Retail support", Team.Strategy.ROUND_ROBIN, ["dmitry", "emma"], True),
    ("delivery", "Delivery", Team.Strategy.FEWEST_OPEN, ["sergey", "julia", "agent"], False),
]
SURVEYS = [
    # slug, name, question, min, max, detractor_max, passive_max, share of answers
    ("nps-2026", "Customer NPS 2026", "How likely are you to recommend us?", 0, 10, 6, 8, 50),
    ("csat-support", "Support CSAT", "How satisfied are you with our support?", 1, 5, 2, 3, 25),
    (
        "delivery-nps",
        "Post-delivery NPS",
        "How likely are you to recommend our delivery?",
        0,
        10,
        6,
        8,
        25,
    ),
]
ROOT_CAUSES = [
    ("delivery", "Delivery", None),
    ("delivery_late", "Late delivery", "delivery"),
    ("delivery_damaged", "Damaged in transit", "delivery"),
    ("delivery_wrong_item", "Wrong item delivered", "delivery"),
    ("product", "Product", None),
    ("product_quality", "Quality defect", "product"),
    ("product_expectations", "Did not meet expectations", "product"),
    ("service", "Customer service", None),
    ("service_slow", "Slow response", "service"),
    ("service_rude", "Unfriendly staff", "service"),
    ("service_unresolved", "Earlier issue not solved", "service"),
    ("billing", "Billing", None),
    ("billing_overcharged", "Charged incorrectly", "billing"),
    ("billing_refund_delay", "Refund delayed", "billing"),
    ("pricing", "Price", None),
    ("pricing_too_high", "Too expensive", "pricing"),
]
RESOLUTION_CODES = [
    ("resolved_explained", "Explained and resolved", True),
    ("resolved_fixed", "Problem fixed", True),
    ("goodwill_offered", "Goodwill offered", True),
    ("customer_declined", "Customer declined to talk", True),
]
CAUSE_WORDS = [
    ("delivery_late", ("late", "slot", "rescheduled", "опозда", "переносили", "окно доставки")),
    ("delivery_damaged", ("broken", "soaked", "dented", "мятой", "промокла")),
    ("delivery_wrong_item", ("wrong size", "missing", "не тот", "не хватало")),
    ("billing_overcharged", ("charged", "billed", "fees", "invoice", "списали", "счёте")),
    ("billing_refund_delay", ("refund", "возврат")),
    ("service_slow", ("waited", "callback", "hotline", "перезвонить", "на линии")),
    ("service_rude", ("rude", "нагрубил")),
    ("pricing_too_high", ("expensive", "price", "дорого", "цен")),
    ("product_quality", ("stopped working", "faulty", "crashes", "сломался", "бракован")),
]
DELIVERY_WORDS = ("deliver", "courier", "parcel", "package", "доставк", "курьер", "посылк")
RU_FIRST = [
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Алексей",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Михаил",
    "Николай",
    "Павел",
    "Игорь",
]
RU_FIRST_LAT = [
    "anna",
    "maria",
    "elena",
    "olga",
    "natalia",
    "tatiana",
    "irina",
    "svetlana",
    "alexey",
    "dmitry",
    "sergey",
    "andrey",
    "mikhail",
    "nikolay",
    "pavel",
    "igor",
]
RU_LAST = [
    ("Иванов", "ivanov"),
    ("Петров", "petrov"),
    ("Смирнов", "smirnov"),
    ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"),
    ("Васильев", "vasiliev"),
    ("Соколов", "sokolov"),
    ("Михайлов", "mikhailov"),
    ("Новиков", "novikov"),
    ("Фёдоров", "fedorov"),
    ("Морозов", "morozov"),
    ("Волков", "volkov"),
    ("Лебедев", "lebedev"),
    ("Козлов", "kozlov"),
    ("Орлов", "orlov"),
]
EN_FIRST = [
    "James",
    "Mary",
    "John",
    "Linda",
    "Michael",
    "Sarah",
    "David",
    "Emily",
    "Daniel",
    "Laura",
    "Thomas",
    "Anna",
    "Lukas",
    "Sophie",
    "Felix",
    "Hannah",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Clark",
    "Schmidt",
    "Müller",
    "Fischer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Evans",
    "Turner",
]
RU_ZONES = (
    ["Europe/Moscow"] * 5 + ["Asia/Yekaterinburg"] * 2 + ["Asia/Novosibirsk", "Europe/Samara"]
)
EN_ZONES = ["Europe/Berlin"] * 3 + ["America/New_York"] * 2 + ["Europe/London", "America/Chicago"]
COMPANIES = [
    "Север",
    "Volga Logistics",
    "Уральские сети",
    "Nordwind GmbH",
    "Atlas Retail",
    "ТехноСтрой",
    "Blue Harbor Inc.",
]
CHANNELS = ["email", "email", "sms", "web", "in_app"]
RESOLUTION_NOTES = {
    "en": [
        "Called the customer, apologised and explained what went wrong.",
        "Courier service informed; the customer accepted the explanation.",
        "Refund processed, customer confirmed by phone.",
        "Replacement shipped with express delivery.",
        "Billing corrected, credit note sent.",
    ],
    "ru": [
        "Позвонили клиенту, извинились и объяснили причину.",
        "Передали жалобу в службу доставки, клиент принял объяснение.",
        "Оформили возврат, клиент подтвердил по телефону.",
        "Отправили замену экспресс-доставкой.",
        "Исправили счёт, отправили корректировку.",
    ],
}
CONTACT_NOTES = {
    "en": ["Left a message.", "Customer busy, asked to call later.", "Talked it through."],
    "ru": ["Оставили сообщение.", "Клиент занят, просил перезвонить.", "Обсудили ситуацию."],
}


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
        from tickets.sla_defaults import install_default_sla
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


@dataclass
class PlannedAnswer:
    data: ResponseData
    locale: str


def _customers(rng: random.Random) -> list[CustomerData]:
    customers = []
    for i in range(CUSTOMERS):
        russian = rng.random() < 0.6
        segment = rng.choices(["enterprise", "smb", "consumer"], weights=[15, 35, 50])[0]
        if russian:
            first_index = rng.randrange(len(RU_FIRST))
            last, last_lat = rng.choice(RU_LAST)
            first = RU_FIRST[first_index]
            if first_index < 8:  # feminine surname
                last, last_lat = last + "а", last_lat + "a"
            name, login = f"{first} {last}", f"{RU_FIRST_LAT[first_index]}.{last_lat}"
            domain = "example.ru"
            phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-"
            phone += f"{rng.randint(10, 99)}"
            zone = rng.choice(RU_ZONES)
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            name = f"{first} {last}"
            login = f"{first}.{last}".lower().replace("ü", "ue")
            domain = "example.com"
            zone = rng.choice(EN_ZONES)
            prefix = "+49 151" if zone.startswith("Europe") else "+1 212"
            phone = f"{prefix} {rng.randint(1000000, 9999999)}"
        attributes = {
            "name": name,
            "phone": phone,
            "segment": segment,
            "locale": "ru" if russian else "en",
            "time_zone": zone,
            "preferred_channel": rng.choice(["phone", "phone", "email", "messenger"]),
        }
        if segment == "enterprise":
            attributes["name"] = f"{name} ({rng.choice(COMPANIES)})"
        customers.append(
            CustomerData(
                external_id=f"demo-cust-{i:04d}",
                email=f"{login}{i}@{domain}",
                attributes=attributes,
            )
        )
    return customers


def _score(rng: random.Random, survey: Survey) -> int:
    if survey.scale_max == 5:
        return rng.choices([1, 2, 3, 4, 5], weights=[8, 10, 17, 35, 30])[0]
    return rng.choices(range(11), weights=[3, 2, 3, 3, 3, 4, 5, 12, 17, 24, 24])[0]


def plan_answers(surveys: dict[str, Survey], now: dt.datetime) -> list[PlannedAnswer]:
    """The whole history, drawn from a seeded stream: the same plan on every run."""
    rng = random.Random(SEED)
    customers = _customers(rng)
    slugs = [s[0] for s in SURVEYS]
    shares = [s[-1] for s in SURVEYS]
    planned = []
    for i in range(ANSWERS):
        customer = customers[i] if i < CUSTOMERS else rng.choice(customers)
        survey = surveys[rng.choices(slugs, weights=shares)[0]]
        score = _score(rng, survey)
        category = survey.categorize(score)
        locale = customer.attributes["locale"]
        order = f"{rng.choice('ABDKM')}-{rng.randint(10000, 99999)}"
        comment = rng.choice(COMMENTS[locale][category]).format(order=order, days=rng.randint(2, 4))
        if rng.random() < 0.12:
            comment = ""  # some people only give a score
        # Working hours are busier: draw a day, then an hour weighted towards daytime.
        age = dt.timedelta(
            days=rng.randint(0, 2) if rng.random() < 0.2 else rng.randint(0, DAYS - 1),
            hours=rng.choices(range(24), weights=[1] * 7 + [4] * 12 + [2] * 5)[0],
            minutes=rng.randint(0, 59),
        )
        metadata = {"order_id": order}
        if survey.slug == "delivery-nps" or any(w in comment.lower() for w in DELIVERY_WORDS):
            metadata["topic"] = "delivery"
        if survey.slug == "csat-support":
            metadata = {"case": f"CS-{rng.randint(100000, 999999)}"}
        planned.append(
            PlannedAnswer(
                data=ResponseData(
                    survey=survey,
                    external_id=f"demo-resp-{i:05d}",
                    score=score,
                    customer=customer,
                    responded_at=now - age,
                    comment=comment,
                    channel=rng.choice(CHANNELS),
                    metadata=metadata,
                ),
                locale=locale,
            )
        )
    planned.sort(key=lambda p: p.data.responded_at)
    return planned


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
    return moved


def _advance_one(ticket: Ticket, fate: str, rng: random.Random, now: dt.datetime) -> None:
    """Works one ticket through the same services an agent uses, with the clock set back."""
    locale = "ru" if ticket.customer.locale == "ru" else "en"
    actor = ticket.assignee or ticket.team.manager
    if actor is None:
        return
    if ticket.assignee_id is None:
        at = ticket.created_at + dt.timedelta(minutes=rng.randint(5, 90))
        ticket = services.ticket_assign(ticket=ticket, by=actor, assignee=actor, now=min(at, now))
    # Most first calls happen within a few hours; some slip past the deadline.
    low, high = rng.choices([(15, 180), (180, 480), (480, 1800)], weights=[65, 25, 10])[0]
    at = ticket.created_at + dt.timedelta(minutes=rng.randint(low, high))
    resolving = fate in (Status.RESOLVED, Status.CLOSED)
    outcomes = [rng.choice(["no_answer", "voicemail"]) for _ in range(rng.randint(0, 2))]
    outcomes.append("reached" if resolving else rng.choice(["reached", "no_answer"]))
    channel = ticket.customer.preferred_channel or "phone"
    for number, outcome in enumerate(outcomes):
        at = min(at, now)
        sla_sweep(now=at)  # what beat would have recorded by then (warnings, breaches)
        services.contact_attempt_log(
            ticket=ticket,
            by=actor,
            channel=channel if channel != "messenger" or number else "phone",
            outcome=outcome,
            note=CONTACT_NOTES[locale][min(number, 2) if outcome != "reached" else 2],
            occurred_at=at,
            now=at,
        )
        at += dt.timedelta(hours=rng.randint(2, 30))
    if fate == Status.WAITING_ON_CUSTOMER:
        services.ticket_status_set(
            ticket=ticket, by=actor, status=Status.WAITING_ON_CUSTOMER, now=min(at, now)
        )
    if resolving and at <= now:
        sla_sweep(now=at)
        cause = _root_cause_for(ticket.origin_response.comment, rng)
        goodwill = rng.random() < 0.3
        code = (
            "goodwill_offered" if goodwill else rng.choice(["resolved_explained", "resolved_fixed"])
        )
        services.ticket_resolve(
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
            services.ticket_close(ticket=ticket, by=None, now=closed_at)


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
