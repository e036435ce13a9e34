"""The contact form offers the outcomes of the chosen channel in the channel's own words:
rendered for the customer's preferred channel, switched by web/static/web/outcomes.js from
the outcome field's data-outcomes, and a mismatch is refused on the outcome field."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from tests.web.test_actions import act
from tickets.models import ContactAttempt
from tickets.selectors import contact_outcome_choices

pytestmark = pytest.mark.django_db


def offered(response) -> list[tuple[str, str]]:
    field = response.context["forms"]["contact"]["outcome"].field
    return [(str(code), str(label)) for code, label in field.choices]


@pytest.mark.parametrize("language,replied", [("en", "Replied"), ("ru", None)])
def test_an_email_customer_is_offered_email_outcomes_in_email_words(
    agent_client, desk, language, replied
):
    desk.agent.language = language
    desk.agent.save()
    ticket = desk.tickets[0]
    ticket.customer.preferred_channel = "email"
    ticket.customer.save()
    response = agent_client.get(reverse("ticket", args=[ticket.pk]))
    with translation.override(language):
        email = [(o["code"], o["label"]) for o in contact_outcome_choices(channel="email")]
        phone_reached = contact_outcome_choices(channel="phone")[0]["label"]
    assert offered(response) == [("", "—"), *email]
    labels = [label for _code, label in offered(response)]
    assert phone_reached not in labels and "voicemail" not in dict(offered(response))
    if replied:
        assert replied in labels
    page = response.content.decode()
    assert "data-outcomes=" in page and "web/outcomes.js" in page
    by_channel = response.context["forms"]["contact"]["outcome"].field.widget.attrs
    assert json.loads(by_channel["data-outcomes"])["phone"][0]["label"] == phone_reached


def test_a_phone_only_outcome_on_email_is_refused_on_the_outcome_field(agent_client, desk):
    ticket = desk.tickets[0]
    response = act(agent_client, ticket, "contact", {"channel": "email", "outcome": "voicemail"})
    assert response.status_code == 422
    assert set(response.context["forms"]["contact"].errors) == {"outcome"}
    assert not ContactAttempt.objects.filter(ticket=ticket).exists()
    response = act(agent_client, ticket, "contact", {"channel": "email", "outcome": "reached"})
    assert response.status_code == 302
    assert ContactAttempt.objects.get(ticket=ticket).outcome_label() == "Replied"
