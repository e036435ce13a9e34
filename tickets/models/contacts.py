from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from surveys.models import ContactChannel
from tickets.models.ticket import Ticket


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
        return f"{self.get_channel_display()}: {self.outcome_label()}"

    def outcome_label(self) -> str:
        """The outcome in the channel's own words (an email is 'Replied', not 'Reached')."""
        for code, label in OUTCOMES_BY_CHANNEL.get(self.channel, ()):
            if code == self.outcome:
                return str(label)
        return str(self.get_outcome_display())


# What each outcome code is called on each channel: the codes are the contract's, the words
# the channel's own (nobody "reaches" a customer by email; they reply). An outcome missing
# from a channel's list cannot be recorded on it (a voicemail is not left by email).
_O = ContactAttempt.Outcome
OUTCOMES_BY_CHANNEL: dict[str, list[tuple[str, str]]] = {
    ContactChannel.PHONE: [
        (_O.REACHED, _("Reached")),
        (_O.NO_ANSWER, _("No answer")),
        (_O.VOICEMAIL, _("Left a voicemail")),
        (_O.WRONG_NUMBER, _("Wrong number")),
        (_O.CALLBACK_REQUESTED, _("Asked to call back")),
        (_O.DECLINED, _("Declined to talk")),
    ],
    ContactChannel.EMAIL: [
        (_O.REACHED, _("Replied")),
        (_O.NO_ANSWER, _("No reply")),
        (_O.WRONG_NUMBER, _("Bounced: wrong address")),
        (_O.CALLBACK_REQUESTED, _("Asked to be called")),
        (_O.DECLINED, _("Replied: declined")),
    ],
    ContactChannel.SMS: [
        (_O.REACHED, _("Replied")),
        (_O.NO_ANSWER, _("No reply")),
        (_O.WRONG_NUMBER, _("Wrong number")),
        (_O.CALLBACK_REQUESTED, _("Asked to be called")),
        (_O.DECLINED, _("Replied: declined")),
    ],
    ContactChannel.MESSENGER: [
        (_O.REACHED, _("Replied")),
        (_O.NO_ANSWER, _("No reply")),
        (_O.WRONG_NUMBER, _("Wrong contact")),
        (_O.CALLBACK_REQUESTED, _("Asked to be called")),
        (_O.DECLINED, _("Replied: declined")),
    ],
    ContactChannel.MEETING: [
        (_O.REACHED, _("Met in person")),
        (_O.NO_ANSWER, _("Did not come")),
        (_O.CALLBACK_REQUESTED, _("Asked to call back")),
        (_O.DECLINED, _("Declined to talk")),
    ],
    ContactChannel.OTHER: list(_O.choices),
}
del _O
