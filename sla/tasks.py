"""Periodic jobs of the ticket workflow. Thin: the work is in services."""

from celery import shared_task

from sla.sweep import sla_sweep as sweep


@shared_task(name="sla.sweep", ignore_result=True)
def sla_sweep() -> str:
    """Periodic (django-celery-beat): one sweep of the due SLA clocks and callbacks."""
    from feedback_desk.heartbeat import sweep_heartbeat_record

    result = str(sweep())
    sweep_heartbeat_record()
    return result
