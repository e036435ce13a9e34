import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models.choices import Priority


class Team(models.Model):
    """A queue: agents with a manager, and the rules for handing them tickets."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round robin")
        FEWEST_OPEN = "fewest_open", _("Fewest open tickets")
        ACCOUNT_OWNER = "account_owner", _("Customer's account owner, else fewest open")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("agents"), related_name="teams", blank=True
    )
    assignment_strategy = models.CharField(
        _("assignment"), max_length=16, choices=Strategy.choices, default=Strategy.FEWEST_OPEN
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    contact_window_start = models.TimeField(_("call customers from"), default=dt.time(9, 0))
    contact_window_end = models.TimeField(_("call customers until"), default=dt.time(21, 0))
    is_fallback = models.BooleanField(
        _("fallback team"), default=False, help_text=_("Gets tickets no routing rule matches.")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_fallback"], condition=Q(is_fallback=True), name="team_one_fallback"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Ordered, admin-managed: the first active rule that matches picks the team."""

    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    survey = models.ForeignKey(
        "surveys.Survey", verbose_name=_("survey"), on_delete=models.CASCADE, null=True, blank=True
    )
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    score_min = models.SmallIntegerField(_("lowest score"), null=True, blank=True)
    score_max = models.SmallIntegerField(_("highest score"), null=True, blank=True)
    locale = models.CharField(_("customer locale"), max_length=16, blank=True)
    metadata_key = models.CharField(_("metadata key"), max_length=100, blank=True)
    metadata_value = models.CharField(_("metadata value"), max_length=200, blank=True)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class PriorityRule(models.Model):
    """Ordered: the first matching rule sets a new ticket's priority (default normal)."""

    position = models.PositiveIntegerField(_("order"), default=0)
    survey = models.ForeignKey(
        "surveys.Survey", verbose_name=_("survey"), on_delete=models.CASCADE, null=True, blank=True
    )
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    score_min = models.SmallIntegerField(_("lowest score"), null=True, blank=True)
    score_max = models.SmallIntegerField(_("highest score"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}: → {self.get_priority_display()}"
