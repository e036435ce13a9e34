"""Periodic jobs of the ticket workflow. Thin: the work is in services."""

from celery import shared_task

from tickets import rerate
from tickets.services import lifecycle


@shared_task(name="tickets.tickets_autoclose", ignore_result=True)
def tickets_autoclose() -> None:
    """Closes tickets resolved TICKET_AUTOCLOSE_DAYS ago. Beat: every 15 minutes."""
    lifecycle.tickets_autoclose()


@shared_task(name="tickets.rerate_invitations_send", ignore_result=True)
def rerate_invitations_send() -> None:
    """Emails re-rate invitations that are due. Beat: every 5 minutes."""
    rerate.rerate_invitations_send()
