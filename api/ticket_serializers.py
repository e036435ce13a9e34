"""Ticket API shapes. Input serializers check types and choices; services check rules."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from intake.serializers import (
    AwareDateTimeField,
    StrictCharField,
    StrictIntegerField,
    TeamBriefSerializer,
    UserBriefSerializer,
)
from sla.models import SlaClock
from surveys.models import ContactChannel
from tickets import queries, selectors
from tickets.models import ContactAttempt, Resolution, Status, Team, Ticket
from tickets.services import lifecycle, resolving

# --- input ------------------------------------------------------------------------------


class NullableIdField(StrictIntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)


class AssignInSerializer(serializers.Serializer):
    assignee = NullableIdField(
        help_text=_("User id of the new assignee; null puts the ticket back in the team queue.")
    )
    team = StrictIntegerField(required=False, help_text=_("Team id; moving needs a manager."))

    def validate_assignee(self, value):
        if value is None:
            return None
        user = User.objects.filter(pk=queries.valid_id(value), is_active=True).first()
        if user is None:
            raise serializers.ValidationError(gettext("No active user with id %d.") % value)
        return user

    def validate_team(self, value):
        team = Team.objects.filter(pk=queries.valid_id(value)).first()
        if team is None:
            raise serializers.ValidationError(gettext("No team with id %d.") % value)
        return team


class ContactInSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = serializers.ChoiceField(choices=ContactAttempt.Outcome.choices)
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)
    occurred_at = AwareDateTimeField(
        required=False, help_text=_("When it happened; default now, never in the future.")
    )
    callback_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text=_("For callback_requested: inside the team's contact window, customer time."),
    )
    idempotency_key = StrictCharField(
        required=False,
        allow_null=True,
        max_length=100,
        help_text=_("The same key twice records once (also accepted as Idempotency-Key)."),
    )


class StatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices,
        help_text=_(
            "in_progress or waiting_on_customer (pauses SLA clocks); closed from resolved."
        ),
    )


class GoodwillSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Resolution.GoodwillKind.choices)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        coerce_to_string=True,
    )
    currency = StrictCharField(
        required=False, allow_blank=True, max_length=3, help_text=_("ISO 4217, e.g. EUR, RUB.")
    )

    def validate_currency(self, value):
        if value and not resolving.currency_known(value):
            raise serializers.ValidationError(
                gettext("Unknown currency '%s'; use an ISO 4217 code such as EUR or RUB.") % value
            )
        return value.upper()

    def validate(self, attrs):
        if attrs.get("amount") is not None and not attrs.get("currency"):
            raise serializers.ValidationError(
                {"currency": [gettext("An amount needs a currency.")]}
            )
        return attrs


class ResolveInSerializer(serializers.Serializer):
    resolution_code = StrictCharField(help_text=_("A resolution code, e.g. resolved_fixed."))
    root_cause = StrictCharField(
        required=False, allow_null=True, allow_blank=True, help_text=_("A root cause code.")
    )
    note = StrictCharField(required=False, allow_blank=True, default="", max_length=10_000)
    goodwill = GoodwillSerializer(required=False, allow_null=True)
    resolved_at = AwareDateTimeField(
        required=False, help_text=_("When the work was done; default now, never in the future.")
    )


class ReopenInSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000)


class EmptySerializer(serializers.Serializer):
    pass


# --- output -----------------------------------------------------------------------------


class ClockSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    state = serializers.CharField()
    met_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField()
    paused_at = serializers.DateTimeField(allow_null=True)


class SlaSerializer(serializers.Serializer):
    first_contact = ClockSerializer(allow_null=True)
    resolution = ClockSerializer(allow_null=True)


def sla_of(ticket: Ticket) -> dict:
    clocks = {clock.kind: clock for clock in ticket.clocks.all()}  # prefetched
    out = {}
    for kind in (SlaClock.Kind.FIRST_CONTACT, SlaClock.Kind.RESOLUTION):
        clock = clocks.get(kind)
        out[str(kind)] = ClockSerializer(clock).data if clock else None
    return out


class CustomerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)


class CustomerSerializer(CustomerBriefSerializer):
    phone = serializers.CharField()
    segment = serializers.CharField()
    locale = serializers.CharField()
    time_zone = serializers.CharField()
    preferred_channel = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    survey = serializers.CharField(source="survey.slug")
    score = serializers.IntegerField()
    category = serializers.CharField()
    comment = serializers.CharField()
    channel = serializers.CharField()
    source = serializers.CharField(source="source.slug")
    external_id = serializers.CharField()
    responded_at = serializers.DateTimeField()
    metadata = serializers.JSONField()


class TicketListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()
    team = TeamBriefSerializer()
    assignee = UserBriefSerializer(allow_null=True)
    customer = CustomerBriefSerializer()
    score = serializers.IntegerField(source="origin_response.score")
    comment = serializers.CharField(source="origin_response.comment")
    survey = serializers.CharField(source="origin_response.survey.slug")
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(source="next_due_at", allow_null=True)
    sla = serializers.SerializerMethodField()

    @extend_schema_field(SlaSerializer)
    def get_sla(self, ticket) -> dict:
        return sla_of(ticket)


class ContactAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    outcome = serializers.CharField()
    note = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    callback_at = serializers.DateTimeField(allow_null=True)
    by = UserBriefSerializer(allow_null=True)
    flagged_excessive = serializers.BooleanField()
    idempotency_key = serializers.CharField(allow_null=True)


class RootCauseSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()

    def get_name(self, cause) -> str:
        return gettext(cause.name)

    @extend_schema_field(OpenApiTypes.STR)
    def get_parent(self, cause) -> str | None:
        return cause.parent.code if cause.parent_id else None


class GoodwillOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()


class ResolutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    resolution_code = serializers.CharField(source="code.code")
    resolution_name = serializers.SerializerMethodField()
    root_cause = RootCauseSerializer(allow_null=True)
    note = serializers.CharField()
    goodwill = serializers.SerializerMethodField()
    resolved_by = UserBriefSerializer(allow_null=True)
    resolved_at = serializers.DateTimeField()

    def get_resolution_name(self, resolution) -> str:
        return gettext(resolution.code.name)

    @extend_schema_field(GoodwillOutSerializer(allow_null=True))
    def get_goodwill(self, resolution):
        if not resolution.goodwill_kind:
            return None
        return GoodwillOutSerializer(
            {
                "kind": resolution.goodwill_kind,
                "amount": resolution.goodwill_amount,
                "currency": resolution.goodwill_currency,
            }
        ).data


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    actor = UserBriefSerializer(allow_null=True)
    data = serializers.JSONField()


class ContactWindowSerializer(serializers.Serializer):
    time_zone = serializers.CharField()
    time_zone_known = serializers.BooleanField()
    local_time = serializers.DateTimeField()
    window_start = serializers.CharField()
    window_end = serializers.CharField()
    open_now = serializers.BooleanField()
    next_open_at = serializers.DateTimeField()


class ContactChannelSerializer(serializers.Serializer):
    channel = serializers.CharField()
    label = serializers.CharField()
    preferred = serializers.BooleanField()
    available = serializers.BooleanField()


class TicketDetailSerializer(TicketListSerializer):
    customer = CustomerSerializer()
    origin_response = AnswerSerializer()
    responses = AnswerSerializer(many=True)
    first_contacted_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reopened_count = serializers.IntegerField()
    recovered = serializers.BooleanField(allow_null=True)
    escalated = serializers.BooleanField()
    contact_attempts = ContactAttemptSerializer(many=True)
    resolution = serializers.SerializerMethodField()
    resolutions = ResolutionSerializer(many=True)
    timeline = EventSerializer(many=True, source="events")
    contact_window = serializers.SerializerMethodField()
    contact_channels = serializers.SerializerMethodField()
    allowed_statuses = serializers.SerializerMethodField()
    due_at = serializers.SerializerMethodField()

    @extend_schema_field(ResolutionSerializer(allow_null=True))
    def get_resolution(self, ticket):
        latest = next(iter(ticket.resolutions.all()), None)  # prefetched, newest first
        return ResolutionSerializer(latest).data if latest else None

    @extend_schema_field(ContactWindowSerializer)
    def get_contact_window(self, ticket) -> dict:
        return selectors.customer_contact_window(ticket=ticket, now=self.context.get("now"))

    @extend_schema_field(ContactChannelSerializer(many=True))
    def get_contact_channels(self, ticket) -> list:
        return selectors.contact_channels(ticket.customer)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_statuses(self, ticket) -> list:
        return lifecycle.allowed_status_targets(ticket.status)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, ticket):
        open_clocks = [
            c.due_at for c in ticket.clocks.all() if c.met_at is None and c.paused_at is None
        ]
        return min(open_clocks).isoformat() if open_clocks else None
