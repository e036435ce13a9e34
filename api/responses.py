"""Ingestion and response listing. Thin: validation in serializers, work in services."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response as HttpResponse

from api.authentication import SourceKeyAuthentication
from api.permissions import CanIngest, CanReadResponses, request_source
from api.response_filters import ResponseFilter
from feedback_desk.api import error_body, flatten_errors
from feedback_desk.authentication import GuardedTokenAuthentication
from feedback_desk.throttling import IngestRateThrottle, ReadRateThrottle
from intake.serializers import (
    BulkOutSerializer,
    IngestedResponseSerializer,
    ResponseInSerializer,
    ResponseOutSerializer,
    default_api_source,
)
from intake.services import DuplicateConflict, IngestResult, response_ingest
from surveys.models import Response

log = logging.getLogger(__name__)

ERROR_SCHEMA = OpenApiResponse(
    description='{"detail": "...", "code": "...", "errors": {"field": ["message"]}}'
)
INGEST_AUTH = [GuardedTokenAuthentication, SourceKeyAuthentication, SessionAuthentication]
INGEST_THROTTLES = [IngestRateThrottle, ReadRateThrottle]


def conflict_body(exc: DuplicateConflict) -> dict:
    existing = exc.existing
    message = _(
        "Response '%(id)s' from this source was already stored with score %(score)d "
        "for survey '%(survey)s'."
    ) % {"id": existing.external_id, "score": existing.score, "survey": existing.survey.slug}
    body = error_body({"score": [message]}, "duplicate_conflict")
    body["existing_id"] = existing.pk
    return body


def ingested_body(result: IngestResult) -> dict:
    response = Response.objects.select_related("survey", "source", "customer", "ticket__team").get(
        pk=result.response.pk
    )
    response.duplicate = result.duplicate
    return IngestedResponseSerializer(response).data


class ResponseListCreateView(GenericAPIView):
    authentication_classes = INGEST_AUTH
    throttle_classes = INGEST_THROTTLES
    serializer_class = ResponseOutSerializer
    filterset_class = ResponseFilter
    queryset = Response.objects.select_related(
        "survey", "source", "customer", "ticket__team"
    ).order_by("-responded_at", "-id")

    def get_permissions(self):
        return [CanIngest()] if self.request.method == "POST" else [CanReadResponses()]

    def get_queryset(self):
        """Scoped like tickets (see docs/ENGINEERING.md, "Who sees what")."""
        from tickets.selectors import responses_visible_to

        visible = responses_visible_to(self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible)

    @extend_schema(
        summary="List responses",
        responses={
            200: ResponseOutSerializer(many=True),
            400: ERROR_SCHEMA,
            401: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            404: OpenApiResponse(description="No such page (e.g. page=0 or past the end)."),
        },
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Ingest one response",
        request=ResponseInSerializer,
        responses={
            201: IngestedResponseSerializer,
            200: OpenApiResponse(IngestedResponseSerializer, description="Replay: duplicate"),
            400: ERROR_SCHEMA,
            401: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            409: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
            429: ERROR_SCHEMA,
        },
    )
    def post(self, request):
        serializer = ResponseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = request_source(request) or default_api_source()
        try:
            result = response_ingest(source=source, data=serializer.to_response_data())
        except DuplicateConflict as exc:
            return HttpResponse(conflict_body(exc), status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return HttpResponse(ingested_body(result), status=code)


class ResponseBulkView(GenericAPIView):
    authentication_classes = INGEST_AUTH
    throttle_classes = INGEST_THROTTLES
    permission_classes = [CanIngest]
    serializer_class = ResponseInSerializer

    @extend_schema(
        summary="Ingest up to 1,000 responses",
        description='Body: a JSON array of responses, or {"responses": [...]}. One result '
        "per item, in order; a bad item never loses the good ones.",
        request=ResponseInSerializer(many=True),
        responses={
            200: BulkOutSerializer,
            400: ERROR_SCHEMA,
            401: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            413: ERROR_SCHEMA,
            429: ERROR_SCHEMA,
        },
    )
    def post(self, request):
        items = request.data
        if isinstance(items, dict) and set(items) == {"responses"}:
            items = items["responses"]
        if not isinstance(items, list):
            return HttpResponse(
                error_body({"responses": [_("Send a JSON array of responses.")]}),
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(items) > settings.BULK_MAX_ITEMS:
            message = _("At most %(max)d responses per request; got %(count)d.") % {
                "max": settings.BULK_MAX_ITEMS,
                "count": len(items),
            }
            return HttpResponse(
                error_body({"responses": [message]}, "too_many_items"),
                status=status.HTTP_400_BAD_REQUEST,
            )
        source = request_source(request) or default_api_source()
        context: dict = {}
        results = [
            self.ingest_one(index, item, source, context) for index, item in enumerate(items)
        ]
        counts = {
            s: sum(r["status"] == s for r in results) for s in ("created", "duplicate", "error")
        }
        return HttpResponse(
            {
                "results": results,
                "created": counts["created"],
                "duplicates": counts["duplicate"],
                "errors": counts["error"],
            }
        )

    @staticmethod
    def ingest_one(index: int, item, source, context: dict) -> dict:
        result = {"index": index, "status": "error", "id": None, "ticket": None, "errors": {}}
        serializer = ResponseInSerializer(data=item, context=context)
        if not serializer.is_valid():
            result["errors"] = flatten_errors(serializer.errors)
            return result
        try:
            outcome = response_ingest(source=source, data=serializer.to_response_data())
        except DuplicateConflict as exc:
            result["errors"] = conflict_body(exc)["errors"]
            result["id"] = exc.existing.pk
            return result
        except DatabaseError:
            log.exception("bulk item %s failed to store", index)
            result["errors"] = {"non_field_errors": [_("Could not be stored; retry this item.")]}
            return result
        result.update(
            status="created" if outcome.created else "duplicate",
            id=outcome.response.pk,
            ticket=outcome.response.ticket_id,
        )
        return result
