import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone


class Category(models.TextChoices):
    PROMOTER = "promoter", _("Promoter")
    PASSIVE = "passive", _("Passive")
    DETRACTOR = "detractor", _("Detractor")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class Survey(models.Model):
    """A question with a score scale and the thresholds that classify answers."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    question = models.CharField(
        _("question"), max_length=500, default=_("How likely are you to recommend us?")
    )
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=0)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=10)
    detractor_max = models.PositiveSmallIntegerField(_("highest detractor score"), default=6)
    passive_max = models.PositiveSmallIntegerField(_("highest passive score"), default=8)
    is_active = models.BooleanField(_("active"), default=True)
    reopen_within_days = models.PositiveSmallIntegerField(
        _("reopen within days"),
        default=14,
        help_text=_("A new detractor answer this soon after resolution reopens the ticket."),
    )
    rerate_enabled = models.BooleanField(_("invite to rate again after resolution"), default=True)
    rerate_delay_hours = models.PositiveIntegerField(
        _("re-rate invitation delay (hours)"), default=24
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__lte=models.F("detractor_max"))
                & Q(detractor_max__lte=models.F("passive_max"))
                & Q(passive_max__lte=models.F("scale_max")),
                name="survey_thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not (self.scale_min <= self.detractor_max <= self.passive_max <= self.scale_max):
            raise ValidationError(
                _("Thresholds must satisfy lowest ≤ detractor max ≤ passive max ≤ highest.")
            )

    def categorize(self, score: int) -> str:
        if score <= self.detractor_max:
            return Category.DETRACTOR
        if score <= self.passive_max:
            return Category.PASSIVE
        return Category.PROMOTER


class Customer(models.Model):
    """Who answered. Identified by external_id and/or email."""

    external_id = models.CharField(_("external ID"), max_length=200, null=True, blank=True)
    email = models.EmailField(_("email"), max_length=254, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True, db_index=True)
    locale = models.CharField(_("locale"), max_length=16, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=ContactChannel.choices, blank=True
    )
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="customer_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(external_id__isnull=True, email__isnull=False),
                name="customer_unique_email_without_external_id",
            ),
            models.CheckConstraint(
                condition=Q(external_id__isnull=False) | Q(email__isnull=False),
                name="customer_has_identity",
            ),
        ]
        indexes = [
            models.Index(fields=["email"], name="customer_email_idx"),
            # The NPS rollup's refresh looks for customers changed since its last run.
            models.Index(fields=["updated_at"], name="customer_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id or f"#{self.pk}"

    def save(self, *args, **kwargs):
        # Emails are compared exactly (and indexed), so they are stored lower-case.
        if self.email:
            self.email = self.email.strip().lower()
        self.external_id = self.external_id or None
        self.email = self.email or None
        super().save(*args, **kwargs)


class IngestionSource(models.Model):
    """Where answers come from. API clients authenticate with a hashed source key."""

    class Kind(models.TextChoices):
        API = "api", _("API")
        WEBHOOK = "webhook", _("Webhook")
        IMPORT = "import", _("Bulk import")
        RERATE = "rerate", _("Re-rate link")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.API)
    platform = models.CharField(
        _("webhook platform"), max_length=32, blank=True, help_text=_("For webhook sources.")
    )
    key_prefix = models.CharField(_("key prefix"), max_length=12, blank=True, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, blank=True, editable=False)
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ingestion source")
        verbose_name_plural = _("ingestion sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def issue_key(self) -> str:
        """Makes a new key, stores only its hash, and returns it once."""
        key = f"fds_{secrets.token_urlsafe(32)}"
        self.key_prefix = key[:12]
        self.key_hash = self.hash_key(key)
        return key

    def check_key(self, key: str) -> bool:
        return bool(self.key_hash) and secrets.compare_digest(self.key_hash, self.hash_key(key))


class Response(models.Model):
    """One answer. Idempotent on (source, external_id)."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="responses"
    )
    source = models.ForeignKey(
        IngestionSource,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    external_id = models.CharField(_("external ID"), max_length=200)
    score = models.SmallIntegerField(_("score"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    comment = models.TextField(_("comment"), blank=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    responded_at = models.DateTimeField(_("responded at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-responded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="response_unique_source_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["survey", "responded_at"], name="response_survey_time_idx"),
            models.Index(fields=["category", "responded_at"], name="response_category_time_idx"),
            models.Index(fields=["customer", "responded_at"], name="response_customer_time_idx"),
            models.Index(fields=["responded_at", "id"], name="response_time_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}/{self.external_id}: {self.score}"
