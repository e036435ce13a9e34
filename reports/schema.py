"""OpenAPI parameters and bodies of the report endpoints (reports/api.py)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = OpenApiResponse(
    description='{"detail": "...", "code": "invalid", "errors": {"<param>": ["message"]}}'
)


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
SLA_BODY = OpenApiResponse(OpenApiTypes.OBJECT, description="SLA statistics of the tickets.")
