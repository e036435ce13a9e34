import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from surveys.models import ContactChannel


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 10, Priority.NORMAL: 20, Priority.HIGH: 30, Priority.URGENT: 40}


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)


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


class BusinessCalendar(models.Model):
    """Working hours, a time zone and holidays: what 'business time' means for an SLA."""

    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        _("public holidays of country"),
        max_length=8,
        blank=True,
        help_text=_("ISO code known to the holidays package, e.g. RU, DE, US."),
    )
    holiday_subdivision = models.CharField(_("subdivision"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["calendar", "weekday", "start"]

    def clean(self) -> None:
        if self.start >= self.end:
            raise ValidationError(_("Working hours must end after they start."))

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarException(models.Model):
    """An extra day off, or an extra working day (e.g. a Saturday worked in Russia)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class SlaPolicy(models.Model):
    """Deadlines for first contact and resolution, with a warning point before each."""

    name = models.CharField(_("name"), max_length=200)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: deadlines run in calendar time, 24/7."),
    )
    first_contact_minutes = models.PositiveIntegerField(_("first contact within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at % of target"), default=75, help_text=_("Ignored when a lead time is set.")
    )
    warning_lead_minutes = models.PositiveIntegerField(
        _("warn this many minutes before the deadline"), null=True, blank=True
    )
    is_default = models.BooleanField(_("default policy"), default=False)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_policy_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaPolicyRule(models.Model):
    """Chooses a policy for a new ticket; the most specific matching rule wins."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(_("order"), default=0)
    survey = models.ForeignKey(
        "surveys.Survey", verbose_name=_("survey"), on_delete=models.CASCADE, null=True, blank=True
    )
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, blank=True)

    class Meta:
        verbose_name = _("SLA policy rule")
        verbose_name_plural = _("SLA policy rules")
        ordering = ["position", "id"]


class EscalationLevel(models.Model):
    """A further step after a breach: notify these people, maybe hand to the manager."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(_("level"))
    after_minutes = models.PositiveIntegerField(_("minutes after the breach"))
    notify_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("notify"), blank=True, related_name="+"
    )
    notify_manager = models.BooleanField(_("notify the team manager"), default=True)
    reassign_to_manager = models.BooleanField(_("reassign to the team manager"), default=False)

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        ordering = ["policy", "level"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="escalation_level_unique")
        ]


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
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.SET_NULL, null=True, blank=True
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
    # only by tickets.sla.ticket_sla_summary_refresh after every clock change (a full save()
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


class SlaClock(models.Model):
    """One deadline of a ticket. next_check_at is the indexed 'due' column the sweep reads."""

    class Kind(models.TextChoices):
        FIRST_CONTACT = "first_contact", _("First contact")
        RESOLUTION = "resolution", _("Resolution")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")
        MET = "met", _("Met")
        PAUSED = "paused", _("Paused")

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="clocks",
        db_index=False,  # sla_clock_unique_kind and sla_clock_report_idx lead with ticket_id
    )
    kind = models.CharField(_("clock"), max_length=16, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    target_minutes = models.PositiveIntegerField(_("target (minutes)"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    warn_at = models.DateTimeField(_("warning at"))
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused for (seconds)"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level reached"), default=0)
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="sla_clock_unique_kind")
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="sla_clock_due_idx",
            ),
            # The INCLUDEd columns let reports count met/breached clocks from the index
            # alone (PostgreSQL index-only scans; other databases ignore include).
            models.Index(
                fields=["ticket", "kind"],
                include=["due_at", "met_at", "breached_at", "paused_at"],
                name="sla_clock_report_idx",
            ),
            models.Index(
                fields=["breached_at"],
                include=["ticket"],
                condition=Q(breached_at__isnull=False),
                name="sla_clock_breached_idx",
            ),
            models.Index(
                fields=["due_at"],
                include=["ticket"],
                condition=Q(breached_at__isnull=True, met_at__isnull=True, paused_at__isnull=True),
                name="sla_clock_overdue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.state}"


class TicketEvent(models.Model):
    """Append-only timeline: who did what to a ticket, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Ticket opened")
        RESPONSE_ATTACHED = "response_attached", _("Another answer attached")
        ASSIGNED = "assigned", _("Assignment changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        CONTACT_LOGGED = "contact_logged", _("Contact attempt logged")
        CONTACT_OVERFLOW = "contact_overflow", _("Customer contacted too often")
        CALLBACK_DUE = "callback_due", _("Callback due")
        RESOLVED = "resolved", _("Resolved")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")
        SLA_WARNING = "sla_warning", _("SLA at risk")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        SLA_MET = "sla_met", _("SLA met")
        ESCALATED = "escalated", _("Escalated")
        RERATE_INVITED = "rerate_invited", _("Invited to rate again")
        RERATED = "rerated", _("Customer rated again")
        NOTE = "note", _("Note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=32, choices=Kind.choices)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)


class ContactAttempt(models.Model):
    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        CALLBACK_REQUESTED = "callback_requested", _("Callback requested")
        DECLINED = "declined", _("Declined")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="contact_attempts")
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    occurred_at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    callback_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    flagged_excessive = models.BooleanField(_("one attempt too many"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="contact_attempt_idempotent",
            )
        ]
        indexes = [
            models.Index(
                fields=["callback_at"],
                condition=Q(callback_at__isnull=False, callback_reminded_at__isnull=True),
                name="contact_callback_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"


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
