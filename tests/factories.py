"""Core factories. Areas add their own factories next to their tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from surveys.models import Customer, IngestionSource, Response, Survey
from tickets.models import Team

# The day the sample payloads were written with; tests move it to answer_day().
PAYLOAD_DAY = "2026-11-20"


def answer_day(days_ago: int = 3) -> dt.date:
    """A day safely in the past by the test's clock, for fixed-looking answer dates: an
    answer from the future is refused, so a constant date breaks on a clock behind it."""
    return (timezone.now() - dt.timedelta(days=days_ago)).date()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass-Word-123")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"survey-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.upper())


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngestionSource
        django_get_or_create = ("slug",)

    name = "Test source"
    slug = "test-source"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"cust-{n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Faker("name")


class ResponseFactory(factory.django.DjangoModelFactory):
    """A stored answer without the ingestion path (no ticket is opened)."""

    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    customer = factory.SubFactory(CustomerFactory)
    source = factory.SubFactory(SourceFactory)
    external_id = factory.Sequence(lambda n: f"resp-{n}")
    score = 3
    category = factory.LazyAttribute(lambda o: o.survey.categorize(o.score))
    responded_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))


def detractor_payload(**overrides) -> dict:
    """A valid ingestion body (the contract's example) with overrides."""
    body = {
        "survey": "nps-2026",
        "external_id": "resp-000123",
        "score": 3,
        "comment": "Delivery was two days late and nobody called.",
        "channel": "email",
        "responded_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "customer": {
            "external_id": "cust-42",
            "email": "anna@example.com",
            "name": "Anna Petrova",
            "phone": "+7 912 000-00-00",
            "segment": "enterprise",
        },
        "metadata": {"order_id": "A-77"},
    }
    body.update(overrides)
    return body


def ingest(survey: Survey, source: IngestionSource, **overrides):
    """Runs the real ingestion service with a valid answer; returns the IngestResult."""
    from intake.services import CustomerData, ResponseData, response_ingest

    n = next(_counter)
    customer = overrides.pop("customer", None) or CustomerData(
        external_id=f"cust-{n}", email=f"c{n}@example.com", attributes={"name": f"Customer {n}"}
    )
    data = ResponseData(
        survey=survey,
        external_id=overrides.pop("external_id", f"ext-{n}"),
        score=overrides.pop("score", 3),
        customer=customer,
        responded_at=overrides.pop("responded_at", timezone.now()),
        **overrides,
    )
    return response_ingest(source=source, data=data, now=data.responded_at)


_counter = iter(range(10**9))
