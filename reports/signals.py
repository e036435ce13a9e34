"""The rollup follows deleted answers: surveys does not know reports, so reports listens."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from reports.services import nps_rollup_days_stale
from surveys.models import Response


@receiver(pre_delete, sender=Response, dispatch_uid="reports.answer_deleted")
def answer_deleted(sender, instance: Response, **kwargs) -> None:
    """Marks the answer's day for recounting, in the transaction that deletes it."""
    nps_rollup_days_stale(answers=Response.objects.filter(pk=instance.pk))
