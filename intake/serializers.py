"""Input validation for ingestion (strict JSON types) and the stored response's shape."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feedback_desk.safe_json import MAX_METADATA_DEPTH, json_value_problem
from intake.services import CustomerData, ResponseData
from surveys.models import ContactChannel, Customer, IngestionSource, Response, Survey


def unstorable_text(value) -> bool:
    """NUL characters and unpaired surrogates are valid JSON but not storable text
    (PostgreSQL refuses both): they must be a 400, never a 500."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(unstorable_text(k) or unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable_text(v) for v in value)
    return False


UNSTORABLE_MESSAGE = _("Must not contain NUL (\\u0000) characters or unpaired surrogates.")


class StrictCharField(serializers.CharField):
    """A JSON string, nothing else (DRF would turn 12 or True into '12'/'True')."""

    default_error_messages = {"invalid": _("Must be a string."), "unstorable": UNSTORABLE_MESSAGE}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if unstorable_text(data):
            self.fail("unstorable")
        return super().to_internal_value(data)


class IdentifierField(serializers.CharField):
    """An external identifier: a string, or a whole number sent by systems with numeric ids."""

    default_error_messages = {
        "invalid": _("Must be a string or a whole number."),
        "unstorable": UNSTORABLE_MESSAGE,
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        if unstorable_text(data):
            self.fail("unstorable")
        return super().to_internal_value(str(data))


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"invalid": _("Enter a valid email address.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data).lower()


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(serializers.Field):
    """A JSON integer: strings, floats, booleans and null are refused."""

    default_error_messages = {"invalid": _("Must be a whole number (a JSON integer).")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """ISO 8601 with a UTC offset; naive times are ambiguous and refused."""

    default_error_messages = {
        "invalid": _("Must be an ISO 8601 date-time string, e.g. 2026-11-20T09:15:00+03:00."),
        "naive": _("Include a UTC offset, e.g. 2026-11-20T09:15:00+03:00 or …Z."),
        "out_of_range": _("Out of range: the moment must fall within the years 1–9999 in UTC."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            value = parse_datetime(data.strip())
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if timezone.is_naive(value):
            self.fail("naive")
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00+03:00 is before year 1 in UTC
            self.fail("out_of_range")

    def to_representation(self, value):
        return value.isoformat()


def validate_zone(value: str) -> str:
    if value and value not in zoneinfo.available_timezones():
        raise serializers.ValidationError(
            _("Unknown time zone; use an IANA name like Europe/Moscow.")
        )
    return value


class CustomerInSerializer(serializers.Serializer):
    external_id = IdentifierField(required=False, allow_null=True, allow_blank=True, max_length=200)
    email = StrictEmailField(required=False, allow_null=True, allow_blank=True, max_length=254)
    name = StrictCharField(required=False, allow_blank=True, max_length=200, default="")
    phone = StrictCharField(required=False, allow_blank=True, max_length=64, default="")
    segment = StrictCharField(required=False, allow_blank=True, max_length=64, default="")
    locale = StrictCharField(required=False, allow_blank=True, max_length=16, default="")
    time_zone = StrictCharField(
        required=False, allow_blank=True, max_length=64, default="", validators=[validate_zone]
    )
    preferred_channel = serializers.ChoiceField(
        choices=ContactChannel.choices, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        if not attrs.get("external_id") and not attrs.get("email"):
            raise serializers.ValidationError(
                {"external_id": [_("A customer needs an external_id or an email (or both).")]}
            )
        return attrs

    def to_customer_data(self, attrs: dict) -> CustomerData:
        attrs = dict(attrs)
        return CustomerData(
            external_id=attrs.pop("external_id", None) or None,
            email=attrs.pop("email", None) or None,
            attributes={k: v for k, v in attrs.items() if v},
        )


class ResponseInSerializer(serializers.Serializer):
    """One answer as customers' systems send it (CONTRACT.md)."""

    survey = StrictCharField(max_length=64, help_text=_("Survey slug."))
    external_id = IdentifierField(
        required=False,
        max_length=200,
        help_text=_("Your id for this answer; replays with the same id are recognised."),
    )
    score = StrictIntegerField()
    comment = StrictCharField(
        required=False, allow_blank=True, default="", max_length=settings.COMMENT_MAX_LENGTH
    )
    channel = StrictCharField(required=False, allow_blank=True, default="", max_length=32)
    responded_at = AwareDateTimeField(required=False)
    customer = CustomerInSerializer()
    metadata = serializers.DictField(required=False, default=dict)

    def validate_survey(self, slug: str) -> Survey:
        cache = self.context.setdefault("surveys", {})
        if slug not in cache:
            cache[slug] = Survey.objects.filter(slug=slug).first()
        survey = cache[slug]
        if survey is None:
            raise serializers.ValidationError(_("Unknown survey '%(slug)s'.") % {"slug": slug})
        if not survey.is_active:
            raise serializers.ValidationError(
                _("Survey '%(slug)s' is not active.") % {"slug": slug}
            )
        return survey

    def validate_metadata(self, value: dict) -> dict:
        problem = json_value_problem(value, max_depth=MAX_METADATA_DEPTH)
        if problem:
            raise serializers.ValidationError(problem)
        if unstorable_text(value):
            raise serializers.ValidationError(UNSTORABLE_MESSAGE)
        return value

    def validate_responded_at(self, value: dt.datetime) -> dt.datetime:
        limit = timezone.now() + dt.timedelta(seconds=settings.FUTURE_TOLERANCE_SECONDS)
        if value > limit:
            raise serializers.ValidationError(_("Must not be more than 5 minutes in the future."))
        return value

    def validate(self, attrs):
        survey: Survey = attrs["survey"]
        score = attrs["score"]
        if not survey.scale_min <= score <= survey.scale_max:
            raise serializers.ValidationError(
                {
                    "score": [
                        _("Must be between %(low)d and %(high)d for survey '%(slug)s'.")
                        % {"low": survey.scale_min, "high": survey.scale_max, "slug": survey.slug}
                    ]
                }
            )
        return attrs

    def to_response_data(self) -> ResponseData:
        attrs = self.validated_data
        return ResponseData(
            survey=attrs["survey"],
            external_id=attrs.get("external_id") or f"auto-{uuid.uuid4()}",
            score=attrs["score"],
            comment=attrs.get("comment", ""),
            channel=attrs.get("channel", ""),
            responded_at=attrs.get("responded_at") or timezone.now(),
            customer=CustomerInSerializer().to_customer_data(attrs["customer"]),
            metadata=attrs.get("metadata") or {},
        )


class CustomerOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "email",
            "name",
            "phone",
            "segment",
            "locale",
            "time_zone",
            "preferred_channel",
        ]


class UserBriefSerializer(serializers.Serializer):
    """A person as every ticket answer shows them (assignee, actor, contact author)."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return str(user)


class TeamBriefSerializer(serializers.Serializer):
    """A team as every ticket answer shows it."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class TicketBriefSerializer(serializers.Serializer):
    """The ticket in an ingestion answer: team and assignee have the queue's shape."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()
    team = TeamBriefSerializer(read_only=True)
    assignee = UserBriefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField()


class ResponseOutSerializer(serializers.ModelSerializer):
    survey = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    customer = CustomerOutSerializer(read_only=True)
    ticket = TicketBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "source",
            "external_id",
            "score",
            "category",
            "comment",
            "channel",
            "responded_at",
            "received_at",
            "metadata",
            "customer",
            "ticket",
        ]


class IngestedResponseSerializer(ResponseOutSerializer):
    duplicate = serializers.BooleanField(read_only=True)

    class Meta(ResponseOutSerializer.Meta):
        fields = [*ResponseOutSerializer.Meta.fields, "duplicate"]


class BulkResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    id = serializers.IntegerField(allow_null=True)
    ticket = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkOutSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = serializers.IntegerField()


def default_api_source() -> IngestionSource:
    """Answers posted with a user's token are recorded under the built-in 'api' source."""
    source, _created = IngestionSource.objects.get_or_create(
        slug="api", defaults={"name": "REST API (user tokens)", "kind": IngestionSource.Kind.API}
    )
    return source
