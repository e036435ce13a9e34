"""Live tickets for the demo manager's team, so the dashboard shows the loop working on
the first look whatever the day: one past its first-contact deadline, one whose resolution
is at risk. Their answers are placed in business time before the demo's first run (the
anchor), so a weekend or a night does not leave the team with nothing to act on; keyed by
external id, a second run stores nothing."""

from __future__ import annotations

import datetime as dt

from intake.services import CustomerData, ResponseData, response_ingest
from sla.clocks import minutes_between
from sla.models import SlaPolicy, SlaPolicyRule
from surveys.models import IngestionSource, Survey
from tickets.models import Ticket
from tickets.services import contacts

SHOWCASE_SOURCE = "demo-live"
# (external id, customer, comment, business minutes before the anchor, contacted)
# FAST policy (enterprise): first contact 30 min (warn at 22.5), resolution 16 h (warn at 12).
SHOWCASE = [
    (
        "demo-live-1",
        ("demo-live-cust-1", "Анна Лебедева (ООО «Вектор»)", "ru", "+7 916 201-44-10"),
        "Третий раз переносят поставку, менеджер не перезвонил.",
        90,
        False,
    ),
    (
        "demo-live-2",
        ("demo-live-cust-2", "Laura Fischer (Nordwind GmbH)", "en", "+49 151 5550142"),
        "The invoice is wrong again and nobody answers our emails.",
        13 * 60,
        True,
    ),
]


def business_time_before(policy: SlaPolicy, anchor: dt.datetime, minutes: int) -> dt.datetime:
    """The latest moment with `minutes` of the policy's time between it and the anchor."""
    low, high = anchor - dt.timedelta(days=60), anchor
    for _ in range(40):  # to well under a second
        middle = low + (high - low) / 2
        if minutes_between(policy, middle, anchor) >= minutes:
            low = middle
        else:
            high = middle
    return low.replace(microsecond=0)


def showcase_seed(*, survey: Survey, anchor: dt.datetime) -> int:
    """Ingests the showcase answers once and works them; returns how many were new."""
    source, _ = IngestionSource.objects.get_or_create(
        slug=SHOWCASE_SOURCE,
        defaults={"name": "Demo: live tickets", "kind": IngestionSource.Kind.IMPORT},
    )
    created = 0
    for external_id, person, comment, minutes, contacted in SHOWCASE:
        customer_id, name, locale, phone = person
        customer = CustomerData(
            external_id=customer_id,
            email=f"{customer_id}@example.com",
            attributes={
                "name": name,
                "phone": phone,
                "segment": "enterprise",
                "locale": locale,
                "time_zone": "Europe/Moscow" if locale == "ru" else "Europe/Berlin",
                "preferred_channel": "phone",
            },
        )
        policy = _enterprise_policy()
        at = business_time_before(policy, anchor, minutes) if policy else anchor
        data = ResponseData(
            survey=survey,
            external_id=external_id,
            score=2,
            customer=customer,
            responded_at=at,
            comment=comment,
        )
        result = response_ingest(source=source, data=data, now=at)
        if not result.created:
            continue
        created += 1
        ticket = Ticket.objects.get(pk=result.response.ticket_id)
        if contacted:
            actor = ticket.assignee or ticket.team.manager
            contacts.contact_attempt_log(
                ticket=ticket,
                by=actor,
                channel="phone",
                outcome="reached",
                occurred_at=at + dt.timedelta(minutes=10),
                now=at + dt.timedelta(minutes=10),
            )
    return created


def _enterprise_policy() -> SlaPolicy | None:
    """The policy an enterprise customer's ticket gets (the rules' choice)."""
    rule = SlaPolicyRule.objects.filter(segment="enterprise").select_related("policy").first()
    return rule.policy if rule else SlaPolicy.objects.filter(is_default=True).first()
