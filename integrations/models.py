from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import IngestionSource, Survey


class WebhookSettings(models.Model):
    """How one webhook source's payloads become answers: which survey, which fields.

    Kept beside IngestionSource (one-to-one) so the surveys app stays platform-agnostic.
    `mapping` keys are documented per platform in docs/integrations.md.
    """

    source = models.OneToOneField(
        IngestionSource,
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="webhook_settings",
    )
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Answers from this source are recorded for this survey."),
    )
    mapping = models.JSONField(
        _("field mapping"),
        default=dict,
        blank=True,
        help_text=_("Which payload fields hold the score, the comment and the customer."),
    )
    channel = models.CharField(
        _("channel"), max_length=32, blank=True, help_text=_("Recorded on every answer.")
    )
    require_timestamp = models.BooleanField(
        _("require a signed timestamp"),
        default=False,
        help_text=_("Refuse deliveries without a signed timestamp (where the scheme has one)."),
    )
    tolerance_seconds = models.PositiveIntegerField(
        _("timestamp tolerance (seconds)"),
        default=300,
        help_text=_("Signed timestamps older or newer than this are refused as replays."),
    )

    class Meta:
        verbose_name = _("webhook settings")
        verbose_name_plural = _("webhook settings")

    def __str__(self) -> str:
        return str(self.source)

    def clean(self) -> None:
        if not isinstance(self.mapping, dict):
            raise ValidationError({"mapping": _("Must be a JSON object.")})
