from celery import shared_task

from tickets.sla_sweep import sla_sweep as sweep


@shared_task(name="tickets.sla_sweep", ignore_result=True)
def sla_sweep() -> str:
    """Periodic (django-celery-beat): one sweep of the due SLA clocks and callbacks."""
    return str(sweep())
