from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models.ticket import Ticket


class ResolutionCode(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    requires_contact = models.BooleanField(
        _("needs a contact attempt"),
        default=True,
        help_text=_("Untick for codes such as 'customer unreachable'."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("resolution code")
        verbose_name_plural = _("resolution codes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RootCause(models.Model):
    """Admin-managed taxonomy, e.g. Delivery → Late delivery."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        return f"{self.parent.name} → {self.name}" if self.parent_id else self.name


class Resolution(models.Model):
    class GoodwillKind(models.TextChoices):
        DISCOUNT = "discount", _("Discount")
        GIFT = "gift", _("Gift")
        REFUND = "refund", _("Refund")
        OTHER = "other", _("Other")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="resolutions")
    code = models.ForeignKey(ResolutionCode, verbose_name=_("resolution"), on_delete=models.PROTECT)
    root_cause = models.ForeignKey(
        RootCause, verbose_name=_("root cause"), on_delete=models.PROTECT, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    goodwill_kind = models.CharField(
        _("goodwill"), max_length=16, choices=GoodwillKind.choices, blank=True
    )
    goodwill_amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    goodwill_currency = models.CharField(_("currency"), max_length=3, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"))

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-resolved_at"]
        indexes = [models.Index(fields=["resolved_at"], name="resolution_time_idx")]

    def __str__(self) -> str:
        return f"{self.code}: {self.root_cause or '—'}"


class RerateInvitation(models.Model):
    """Closing the loop: after resolution the customer is asked to rate again, once.

    Written at resolution with send_at in the future; the periodic job emails the signed
    link when due. The link works once (used_at) and expires (signature age).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="rerate_invitations")
    resolution = models.ForeignKey(
        Resolution, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email"), max_length=254)
    locale = models.CharField(_("language"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created"))
    send_at = models.DateTimeField(_("send at"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)
    response = models.ForeignKey(
        "surveys.Response",
        verbose_name=_("answer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("re-rate invitation")
        verbose_name_plural = _("re-rate invitations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["send_at"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="rerate_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.email}"
