"""OpenAPI parameters and bodies of the report endpoints (api/reports.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from feedback_desk.api import error_response

ERROR = error_response()


def _param(name: str, description: str, type_=OpenApiTypes.STR, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, enum=enum)


PERIOD = [
    _param("start", "From this date (YYYY-MM-DD, whole day) or ISO 8601 date-time."),
    _param("end", "Up to and including this date, or before this ISO 8601 date-time."),
]
NPS_PARAMETERS = [
    _param("survey", "Survey slug or id."),
    _param("segment", "Customer segment (at most 64 characters)."),
    *PERIOD,
    _param("interval", "Series step.", enum=["day", "week", "month"]),
]
SLA_PARAMETERS = [_param("team", "Team slug or id, within the caller's teams."), *PERIOD]

_ROW = {
    "promoters": serializers.IntegerField(),
    "passives": serializers.IntegerField(),
    "detractors": serializers.IntegerField(),
    "responses": serializers.IntegerField(),
    "nps": serializers.FloatField(allow_null=True),
    "band": serializers.CharField(allow_null=True),
}
NPS_BODY = inline_serializer(
    "NpsReport",
    {
        "overall": inline_serializer("NpsRow", _ROW),
        "series": inline_serializer(
            "NpsSeriesRow", {"period_start": serializers.CharField(), **_ROW}, many=True
        ),
    },
)


def _clock_figures():
    """One instance per field: a serializer field binds to a single parent field."""
    return inline_serializer(
        "SlaClockFigures",
        {
            "met": serializers.IntegerField(),
            "breached": serializers.IntegerField(),
            "met_rate": serializers.FloatField(allow_null=True, help_text="Percent of decided."),
            "breached_rate": serializers.FloatField(allow_null=True),
            "median_seconds": serializers.IntegerField(allow_null=True),
            "p90_seconds": serializers.IntegerField(allow_null=True),
        },
    )


SLA_BODY = inline_serializer(
    "SlaReport",
    {
        "tickets_opened": serializers.IntegerField(),
        "first_contact": _clock_figures(),
        "resolution": _clock_figures(),
    },
)
