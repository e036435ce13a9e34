"""The demo shows the product at work: every ticket status, routed teams, SLA clocks,
contact logs and resolutions with root causes, all from answers ingested the real way."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import F

from demo.seed import demo_seed
from sla.clocks import ticket_sla_summary_stale
from sla.models import SlaClock
from surveys.models import Category, Response
from tickets.models import OPEN_STATUSES, ContactAttempt, Resolution, Status, Ticket


def counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_demo_has_tickets_in_every_status_made_by_ingestion(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    summary = demo_seed()

    by_status = {status: Ticket.objects.filter(status=status).count() for status in Status.values}
    assert all(by_status.values()), by_status
    detractors = Response.objects.filter(category=Category.DETRACTOR)
    assert detractors.exists() and not detractors.filter(ticket__isnull=True).exists()
    assert set(Ticket.objects.values_list("team__slug", flat=True)) == {
        "enterprise-care",
        "retail-support",
        "delivery",
    }
    assert (
        not Ticket.objects.filter(customer__segment="enterprise")
        .exclude(team__slug="enterprise-care")
        .exists()
    )
    assert SlaClock.objects.filter(ticket__status=Status.NEW).exists()
    # the queue's summary of the clocks is right for every ticket the demo worked on
    assert ticket_sla_summary_stale(0, Ticket.objects.order_by("-pk").first().pk) == []
    assert Ticket.objects.exclude(sla_state="").exists()
    worked = Ticket.objects.exclude(status=Status.NEW)
    assert not worked.filter(contact_attempts__isnull=True).exists()
    assert not worked.filter(first_contacted_at__isnull=True).exists()
    done = Ticket.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    assert Resolution.objects.filter(ticket__in=done).count() == done.count()
    assert not Resolution.objects.filter(root_cause__isnull=True).exists()
    assert ContactAttempt.objects.filter(outcome="reached").exists()
    assert {locale for locale in Ticket.objects.values_list("customer__locale", flat=True)} == {
        "ru",
        "en",
    }
    assert summary.agent_token and summary.api_source_key.startswith("fds_")
    # no clock is "met late" when the work happened by the deadline
    on_time_but_breached = SlaClock.objects.filter(
        breached_at__isnull=False, met_at__isnull=False, met_at__lte=F("due_at")
    )
    assert not on_time_but_breached.exists()
    assert not SlaClock.objects.filter(logged_late=True).exists()  # logged as they happened
    assert SlaClock.objects.filter(breached_at__isnull=False, met_at__gt=F("due_at")).exists()
    # the manager's teams show the loop working: breached and at-risk open tickets
    managed = Ticket.objects.filter(team__manager__username="manager", status__in=OPEN_STATUSES)
    states = set(managed.values_list("sla_state", flat=True))
    assert {"breached", "at_risk"} <= states, states

    before = counts()
    second = demo_seed()
    assert counts() == before
    assert second.created_answers == 0 and second.advanced_tickets == 0
    assert second.api_source_key == summary.api_source_key
