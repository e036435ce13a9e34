"""Demo data: teams, rules, people and six weeks of answers, loaded through the real
ingestion path so tickets, routing and SLA clocks come out exactly as in production.

Everything is keyed (slugs, usernames, external ids) and the random stream is seeded, so a
second run stores nothing new.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from demo.comments import COMMENTS
from demo.data import (
    ANSWERS,
    CHANNELS,
    COMPANIES,
    CUSTOMERS,
    DAYS,
    DELIVERY_WORDS,
    EN_FIRST,
    EN_LAST,
    EN_ZONES,
    RU_FIRST,
    RU_FIRST_LAT,
    RU_LAST,
    RU_ZONES,
    SEED,
    SURVEYS,
)
from intake.services import CustomerData, ResponseData
from surveys.models import Survey


@dataclass
class PlannedAnswer:
    data: ResponseData
    locale: str


def customers_plan(rng: random.Random) -> list[CustomerData]:
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


def score_draw(rng: random.Random, survey: Survey) -> int:
    if survey.scale_max == 5:
        return rng.choices([1, 2, 3, 4, 5], weights=[8, 10, 17, 35, 30])[0]
    return rng.choices(range(11), weights=[3, 2, 3, 3, 3, 4, 5, 12, 17, 24, 24])[0]


def plan_answers(surveys: dict[str, Survey], now: dt.datetime) -> list[PlannedAnswer]:
    """The whole history, drawn from a seeded stream: the same plan on every run."""
    rng = random.Random(SEED)
    customers = customers_plan(rng)
    slugs = [s[0] for s in SURVEYS]
    shares = [s[-1] for s in SURVEYS]
    planned = []
    for i in range(ANSWERS):
        customer = customers[i] if i < CUSTOMERS else rng.choice(customers)
        survey = surveys[rng.choices(slugs, weights=shares)[0]]
        score = score_draw(rng, survey)
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
