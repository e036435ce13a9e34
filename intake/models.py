from django.conf import settings
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

    api_base = models.URLField(
        _("platform API address"),
        blank=True,
        help_text=_(
            "For platforms whose deliveries carry only ids (Qualtrics: https://<datacenter>."
            "qualtrics.com; SurveyMonkey: https://api.surveymonkey.com)."
        ),
    )
    api_token = models.CharField(
        _("platform API token"),
        max_length=500,
        blank=True,
        help_text=_("Used to fetch the answer from the platform's responses API."),
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


class DeadLetter(models.Model):
    """A correctly signed delivery that could not be mapped to an answer: accepted (so the
    platform neither retries nor disables the webhook) and kept to be re-processed once the
    source's mapping is fixed. Only headers needed to re-process are kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a fix")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")

    source = models.ForeignKey(
        IngestionSource,
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="dead_letters",
    )
    platform = models.CharField(_("platform"), max_length=32)
    reason = models.JSONField(_("reason"), default=dict)
    body = models.BinaryField(_("raw body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("unmapped delivery")
        verbose_name_plural = _("unmapped deliveries")
        ordering = ("-received_at",)
        indexes = [models.Index(fields=["status", "received_at"], name="deadletter_status_idx")]

    def __str__(self) -> str:
        return f"{self.platform}/{self.source_id} #{self.pk}"


class PendingFetch(models.Model):
    """An answer announced by id only (Qualtrics, SurveyMonkey) still to be fetched from the
    platform's API. The row stays until the fetch succeeds, so an API outage of a day loses
    nothing; the worker retries with exponential backoff and a periodic sweep catches up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be fetched")
        DONE = "done", _("Fetched")
        DEAD = "dead", _("Could not be mapped")

    source = models.ForeignKey(
        IngestionSource,
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="pending_fetches",
    )
    platform = models.CharField(_("platform"), max_length=32)
    response_id = models.CharField(_("platform response ID"), max_length=200)
    request = models.JSONField(_("what to fetch"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer to fetch")
        verbose_name_plural = _("answers to fetch")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "response_id"], name="pendingfetch_source_response_uniq"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="pendingfetch_due_idx")]

    def __str__(self) -> str:
        return f"{self.platform} {self.response_id}"


class ImportJob(models.Model):
    """A bulk body or an uploaded file too large to answer within one web request: stored
    here, processed by a Celery task in chunks, its progress and bad rows readable while it
    runs (`GET /api/v1/imports/{id}/`, the admin)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        BULK = "bulk", _("Bulk request")
        FILE = "file", _("File")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    source = models.ForeignKey(
        IngestionSource,
        verbose_name=_("source"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by_source_key = models.BooleanField(_("created with the source key"), default=False)
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For rows without a survey."),
    )
    file_format = models.CharField(_("file format"), max_length=8, blank=True)
    items = models.JSONField(_("items"), default=list, blank=True)
    text = models.TextField(_("file content"), blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    # [[row, field, reason], ...]; the first MAX_REPORTED_ERRORS rows of the error report
    error_rows = models.JSONField(_("error report"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["status", "created_at"], name="importjob_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
