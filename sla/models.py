import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from tickets.models import Priority, Ticket


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

    class FirstContactMeets(models.TextChoices):
        ANY_ATTEMPT = "any_attempt", _("Any contact attempt")
        REACHED = "reached", _("A reached customer (reached or callback requested)")

    first_contact_meets = models.CharField(
        _("first contact is met by"),
        max_length=16,
        choices=FirstContactMeets.choices,
        default=FirstContactMeets.ANY_ATTEMPT,
        help_text=_("With 'a reached customer', failed attempts keep the clock running."),
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
    logged_late = models.BooleanField(
        _("logged after the deadline"),
        default=False,
        help_text=_("Met on time, but the work was recorded only after the deadline."),
    )
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who held the ticket when the clock was met or breached."),
    )
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
                include=["due_at", "met_at", "breached_at", "paused_at", "logged_late", "held_by"],
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

    def summary(self) -> dict:
        """The API shape of one clock (CONTRACT.md: due_at, state, met_at, breached_at)."""

        def iso(value: dt.datetime | None) -> str | None:
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None

        return {
            "due_at": iso(self.due_at),
            "state": self.state,
            "met_at": iso(self.met_at),
            "breached_at": iso(self.breached_at),
        }

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.state}"
