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
        from intake.platforms import platform_get

        if not isinstance(self.mapping, dict):
            raise ValidationError({"mapping": _("Must be a JSON object.")})
        platform = platform_get(self.source.platform) if self.source_id else None
        if self.source_id and self.source.kind != IngestionSource.Kind.WEBHOOK:
            raise ValidationError({"source": _("Choose a source of kind 'Webhook'.")})
        if platform is None:
            if self.source_id:
                raise ValidationError(
                    {
                        "source": _("The source's platform must be one of: %(names)s.")
                        % {"names": ", ".join(sorted(_platform_names()))}
                    }
                )
            return
        unknown = sorted(set(self.mapping) - set(platform.MAPPING_KEYS))
        if unknown:
            raise ValidationError(
                {
                    "mapping": _("Unknown keys %(keys)s; %(platform)s knows: %(known)s.")
                    % {
                        "keys": ", ".join(unknown),
                        "platform": platform.NAME,
                        "known": ", ".join(platform.MAPPING_KEYS) or "none",
                    }
                }
            )
        bad = [k for k, v in self.mapping.items() if not isinstance(v, str | int)]
        if bad:
            raise ValidationError(
                {"mapping": _("Values must be strings: %(keys)s.") % {"keys": ", ".join(bad)}}
            )


def _platform_names() -> list[str]:
    from intake.platforms import PLATFORMS

    return list(PLATFORMS)
