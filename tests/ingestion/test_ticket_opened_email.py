"""The agent handed a new detractor hears about it in their own language."""

from django.core import mail

from notifications.models import Delivery
from notifications.services import deliveries_flush
from tests.factories import TeamFactory, UserFactory, ingest


def test_new_ticket_email_goes_to_the_assignee_in_their_language(survey, source, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agent = UserFactory(username="olga", language="ru", email="olga@example.com")
    team = TeamFactory(slug="general", is_fallback=True)
    team.members.add(agent)
    ticket = ingest(survey, source, score=2, comment="Курьер опоздал").response.ticket
    assert ticket.assignee == agent
    delivery = Delivery.objects.get(topic="ticket.created", channel="email")
    assert delivery.recipient == "olga@example.com"
    deliveries_flush()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{ticket.reference}]")
    assert "Новое обращение" in message.subject
    assert "Курьер опоздал" in message.body
    assert f"/tickets/{ticket.pk}/" in message.body
