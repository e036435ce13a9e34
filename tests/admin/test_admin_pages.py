"""Every model is configurable in the admin, and its pages render with data in them."""

import pytest
from django.contrib import admin
from django.urls import reverse

from notifications.models import Delivery
from sla.models import BusinessCalendar, SlaPolicy, WorkingHours
from tests.factories import ingest
from tickets.models import ResolutionCode, RootCause, RoutingRule, Team, Ticket, TicketEvent


@pytest.fixture
def populated(survey, source):
    ingest(survey, source, score=2, comment="Курьер опоздал на два дня")
    calendar = BusinessCalendar.objects.create(name="Moscow office", time_zone="Europe/Moscow")
    WorkingHours.objects.create(calendar=calendar, weekday=0, start="09:00", end="18:00")
    SlaPolicy.objects.create(name="Default", first_contact_minutes=240, resolution_minutes=960)
    RoutingRule.objects.create(name="Everything", team=Team.objects.get())
    # "delivery" is also seeded by the taxonomy data migration.
    parent, _ = RootCause.objects.get_or_create(code="delivery", defaults={"name": "Delivery"})
    RootCause.objects.create(code="late", name="Late delivery", parent=parent)
    ResolutionCode.objects.create(code="fixed", name="Fixed")
    Delivery.objects.create(event_key="e", topic="t", channel="email", recipient="a@b.c")


def test_every_registered_model_has_working_admin_pages(client, admin_user, populated):
    client.force_login(admin_user)
    assert len(admin.site._registry) >= 20
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = client.get(reverse(f"{prefix}_changelist"))
        assert changelist.status_code == 200, prefix
        if model_admin.search_fields:
            assert client.get(reverse(f"{prefix}_changelist"), {"q": "1"}).status_code == 200
        obj = model._default_manager.first()
        if obj is not None:
            change = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
            assert change.status_code == 200, prefix


def test_ticket_page_shows_the_timeline_read_only(client, admin_user, populated):
    client.force_login(admin_user)
    ticket = Ticket.objects.get()
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert "Ticket opened" in page
    assert "timeline" in page.lower()


def test_timeline_inline_cannot_be_added_to_changed_or_deleted(client, admin_user, populated):
    """Even a superuser sees the timeline as history: no add row, no inputs, no delete box."""
    client.force_login(admin_user)
    ticket = Ticket.objects.get()
    response = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    (timeline,) = [
        f for f in response.context["inline_admin_formsets"] if f.opts.model is TicketEvent
    ]
    assert timeline.has_add_permission is False
    assert timeline.has_change_permission is False
    assert timeline.formset.can_delete is False
    assert timeline.formset.max_num == 0 or timeline.has_add_permission is False
    assert len(timeline.formset.forms) == ticket.events.count() >= 1
    for form in timeline.formset.forms:
        editable = [name for name in form.fields if name not in ("id", "ticket", "DELETE")]
        assert editable == [], editable  # every column is rendered read-only
    prefix = timeline.formset.prefix
    html = response.content.decode()
    assert f'name="{prefix}-0-kind"' not in html
    assert f'name="{prefix}-0-DELETE"' not in html
    assert f'id="{prefix}-empty"' not in html  # no template row to add one


def test_ticket_search_understands_the_reference(client, admin_user, populated):
    client.force_login(admin_user)
    ticket = Ticket.objects.get()
    page = client.get(reverse("admin:tickets_ticket_changelist"), {"q": ticket.reference})
    assert ticket.reference in page.content.decode()
    assert page.context["cl"].result_count == 1


def test_customer_page_lists_the_answers(client, admin_user, populated):
    client.force_login(admin_user)
    ticket = Ticket.objects.get()
    page = client.get(reverse("admin:surveys_customer_change", args=[ticket.customer_id]))
    assert "Курьер опоздал" in page.content.decode()


def test_issuing_a_source_key_shows_it_once_and_it_works(client, admin_user, source):
    client.force_login(admin_user)
    answer = client.post(
        reverse("admin:surveys_ingestionsource_changelist"),
        {"action": "issue_new_key", "_selected_action": [source.pk]},
        follow=True,
    )
    message = [str(m) for m in answer.context["messages"]][0]
    key = message.split("<code>")[1].split("</code>")[0]
    source.refresh_from_db()
    assert source.check_key(key)
    assert key not in (source.key_hash, source.key_prefix)
