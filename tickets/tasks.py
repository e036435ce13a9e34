"""Periodic jobs of the ticket workflow. Thin: the work is in services."""

from celery import shared_task

from tickets import rerate, services
from tickets.sla_sweep import sla_sweep as sweep


@shared_task(name="tickets.tickets_autoclose", ignore_result=True)
def tickets_autoclose() -> None:
    """Closes tickets resolved TICKET_AUTOCLOSE_DAYS ago. Beat: every 15 minutes."""
    services.tickets_autoclose()


@shared_task(name="tickets.rerate_invitations_send", ignore_result=True)
def rerate_invitations_send() -> None:
    """Emails re-rate invitations that are due. Beat: every 5 minutes."""
    rerate.rerate_invitations_send()


@shared_task(name="tickets.sla_sweep", ignore_result=True)
def sla_sweep() -> str:
    """Periodic (django-celery-beat): one sweep of the due SLA clocks and callbacks."""
    from feedback_desk.heartbeat import sweep_heartbeat_record

    result = str(sweep())
    sweep_heartbeat_record()
    return result
