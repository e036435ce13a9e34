from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models.ticket import Ticket


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
        SLA_BREACH_WITHDRAWN = "sla_breach_withdrawn", _("SLA breach withdrawn")
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

    def breach_withdrawn_text(self) -> str:
        """For SLA_BREACH_WITHDRAWN: the sentence the timeline shows, times in the active
        (viewer's) time zone, e.g. "First contact at 02:56 was logged after the deadline
        (06:30): met on time, breach withdrawn." Empty for other kinds."""
        if self.kind != self.Kind.SLA_BREACH_WITHDRAWN:
            return ""
        from django.utils import timezone
        from django.utils.dateparse import parse_datetime

        done = parse_datetime(self.data.get("done_at") or "")
        due = parse_datetime(self.data.get("due_at") or "")
        if done is None or due is None:
            return ""
        text = {
            "first_contact": _(
                "First contact at %(done)s was logged after the deadline (%(due)s): "
                "met on time, breach withdrawn."
            ),
            "resolution": _(
                "Resolution at %(done)s was logged after the deadline (%(due)s): "
                "met on time, breach withdrawn."
            ),
        }.get(self.data.get("clock"), "")
        if not text:
            return ""

        def hhmm(moment) -> str:
            return timezone.localtime(moment).strftime("%H:%M")

        return text % {"done": hhmm(done), "due": hhmm(due)}

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)
