from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models.choices import OPEN_STATUSES, PRIORITY_RANK, Priority, Status
from tickets.models.teams import Team

SLA_SUMMARY_FIELDS = ("next_due_at", "sla_state")


class Ticket(models.Model):
    """A follow-up case for a detractor. At most one open ticket per customer."""

    customer = models.ForeignKey(
        "surveys.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    origin_response = models.ForeignKey(
        "surveys.Response",
        verbose_name=_("origin response"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    priority_rank = models.PositiveSmallIntegerField(default=20, editable=False)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,  # ticket_team_pk_idx leads with team_id
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        verbose_name=_("SLA policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    escalated = models.BooleanField(_("escalated"), default=False)
    created_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_contacted_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    recovered = models.BooleanField(
        _("customer recovered"),
        null=True,
        blank=True,
        help_text=_("After re-rating: did the customer leave the detractor range?"),
    )
    # A summary of the clocks, so the queue sorts and filters without reading them. Written
    # only by sla.clocks.ticket_sla_summary_refresh after every clock change (a full save()
    # of a stale object leaves them alone); `manage.py sla_summary_rebuild` repairs them.
    next_due_at = models.DateTimeField(
        _("nearest SLA deadline"), null=True, blank=True, editable=False
    )
    sla_state = models.CharField(
        _("SLA state"), max_length=16, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["new", "in_progress", "waiting_on_customer"]),
                name="ticket_one_open_per_customer",
            )
        ]
        indexes = [
            models.Index(fields=["team", "status", "created_at"], name="ticket_team_status_idx"),
            # the queue: nearest deadline first within an agent's or a team's open tickets
            models.Index(
                fields=["assignee", "status", "next_due_at"], name="ticket_assignee_due_idx"
            ),
            models.Index(fields=["team", "status", "next_due_at"], name="ticket_team_due_idx"),
            # the API's list of all visible tickets (any status), nearest deadline first
            models.Index(fields=["next_due_at"], name="ticket_next_due_idx"),
            # the API's default order (ORDERINGS["due"]) exactly, so a page or a cursor
            # reads its rows from the index instead of sorting every ticket
            # (PostgreSQL puts NULLs last in an ascending index, as the order asks).
            models.Index(
                fields=["next_due_at", "-priority_rank", "created_at", "id"],
                name="ticket_due_order_idx",
            ),
            models.Index(fields=["status", "created_at"], name="ticket_status_created_idx"),
            models.Index(fields=["status", "resolved_at"], name="ticket_status_resolved_idx"),
            # reports: the tickets of some teams opened in a period
            models.Index(fields=["team", "created_at"], name="ticket_team_created_idx"),
            # reports: a team's ticket ids from the index alone, to join clocks/resolutions
            models.Index(fields=["team", "id"], name="ticket_team_pk_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        self.priority_rank = PRIORITY_RANK.get(self.priority, 20)
        if kwargs.get("update_fields") is not None and "priority" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "priority_rank"}
        elif kwargs.get("update_fields") is None and not args and not self._state.adding:
            if not kwargs.get("force_insert"):
                # An object loaded before a clock changed must not write back old summaries.
                skipped = {*SLA_SUMMARY_FIELDS, *self.get_deferred_fields()}
                kwargs["update_fields"] = [
                    f.name
                    for f in self._meta.concrete_fields
                    if not f.primary_key and f.attname not in skipped and f.name not in skipped
                ]
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return f"{settings.TICKET_PREFIX}-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
