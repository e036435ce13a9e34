"""Forms of the staff pages. They check shape; the ticket services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from surveys.models import ContactChannel, Survey
from tickets.models import (
    ContactAttempt,
    Priority,
    Resolution,
    ResolutionCode,
    RootCause,
    Status,
    Team,
    Ticket,
)
from web.labels import segment_label, taxonomy_label  # noqa: F401 - taxonomy_label re-exported

SLA_CHOICES = [
    ("", _("Any SLA state")),
    ("breached", _("Breached")),
    ("at_risk", _("At risk")),
    ("running", _("Running")),
]


class TaxonomyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return taxonomy_label(obj)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("any", _("Any status")), *Status.choices],
    )
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=SLA_CHOICES)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any priority")), *Priority.choices]
    )
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        required=False,
        queryset=Survey.objects.all(),
        empty_label=_("Any survey"),
    )
    segment = forms.CharField(label=_("Segment"), required=False, max_length=64)
    # the dashboard's tiles link here with their team filter
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label=_("Any team")
    )

    def __init__(self, *args, segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        if segments:
            self.fields["segment"] = forms.ChoiceField(
                label=_("Segment"),
                required=False,
                choices=[("", _("Any segment")), *[(s, segment_label(s)) for s in segments]],
            )


class ContactAttemptForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    # No preselected outcome: one careless click must not record a success.
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *ContactAttempt.Outcome.choices]
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    occurred_at = forms.DateTimeField(
        label=_("When (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (Status.IN_PROGRESS, Status.IN_PROGRESS.label),
            (Status.WAITING_ON_CUSTOMER, Status.WAITING_ON_CUSTOMER.label),
        ],
    )


class ResolveForm(forms.Form):
    code = TaxonomyChoiceField(
        label=_("Resolution"), queryset=ResolutionCode.objects.filter(is_active=True)
    )
    root_cause = TaxonomyChoiceField(
        label=_("Root cause"),
        required=False,
        queryset=RootCause.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent")
        .order_by("parent__name", "name"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    goodwill_kind = forms.ChoiceField(
        label=_("Goodwill"),
        required=False,
        choices=[("", _("None")), *Resolution.GoodwillKind.choices],
    )
    goodwill_amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    goodwill_currency = forms.CharField(
        label=_("Currency"), required=False, min_length=3, max_length=3
    )
    confirm_goodwill = forms.BooleanField(
        label=_("Yes, offer goodwill although the customer declined to talk"), required=False
    )

    def __init__(self, *args, declined: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.declined = declined
        if not declined:
            del self.fields["confirm_goodwill"]

    def clean(self):
        data = super().clean()
        if self.declined and data.get("goodwill_kind") and not data.get("confirm_goodwill"):
            self.add_error(
                "confirm_goodwill",
                gettext(
                    "The customer declined to talk: confirm that goodwill should still be offered."
                ),
            )
        return data

    def goodwill(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("goodwill_kind"):
            return None
        return {
            "kind": data["goodwill_kind"],
            "amount": data.get("goodwill_amount"),
            "currency": (data.get("goodwill_currency") or "").upper(),
        }


class AssignForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    assignee = UserChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Nobody (team queue)"),
    )

    def __init__(self, *args, teams, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["assignee"].queryset = users


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class BulkAssignForm(forms.Form):
    tickets = forms.ModelMultipleChoiceField(
        label=_("Tickets"),
        queryset=Ticket.objects.none(),
        error_messages={"required": _("tick at least one ticket in the list to reassign.")},
    )
    assignee = UserChoiceField(
        label=_("Assign to"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Nobody (team queue)"),
    )

    def __init__(self, *args, tickets, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = tickets
        self.fields["assignee"].queryset = users


class DashboardFilterForm(forms.Form):
    PERIODS = [
        ("7", _("Last 7 days")),
        ("30", _("Last 30 days")),
        ("90", _("Last 90 days")),
        ("365", _("Last year")),
    ]
    days = forms.ChoiceField(label=_("Period"), required=False, choices=PERIODS, initial="30")
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        required=False,
        queryset=Survey.objects.all(),
        empty_label=_("Any survey"),
    )
    segment = forms.CharField(label=_("Segment"), required=False, max_length=64)
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("All my teams")
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "time_zone", "date_style"]

    def clean_time_zone(self):
        from accounts.models import validate_time_zone

        value = self.cleaned_data["time_zone"].strip()
        validate_time_zone(value)
        return value
