"""Ingestion and response listing. Thin: validation in serializers, work in services."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response as HttpResponse

from api.authentication import SourceKeyAuthentication
from api.imports import ImportJobSerializer, job_body
from api.permissions import CanIngest, CanReadResponses, request_source
from api.response_filters import ResponseFilter
from feedback_desk.api import error_body, error_response
from feedback_desk.authentication import GuardedTokenAuthentication
from feedback_desk.pagination import ListPagination
from feedback_desk.throttling import IngestRateThrottle, ReadRateThrottle
from intake.batch import ERROR, ItemResult, responses_ingest_batch
from intake.jobs import bulk_async_threshold, import_job_bulk_create
from intake.serializers import (
    BulkOutSerializer,
    IngestedResponseSerializer,
    ResponseInSerializer,
    ResponseOutSerializer,
    default_api_source,
)
from intake.services import DuplicateConflict
from intake.validation import Invalid, answer_validate
from surveys.models import Response

log = logging.getLogger(__name__)

ERROR_SCHEMA = error_response()
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


def ingested_body(result: ItemResult) -> dict:
    response = Response.objects.select_related(
        "survey", "source", "customer", "ticket__team", "ticket__assignee"
    ).get(pk=result.response.pk)
    response.duplicate = result.duplicate
    return IngestedResponseSerializer(response).data


class ResponseListCreateView(GenericAPIView):
    authentication_classes = INGEST_AUTH
    throttle_classes = INGEST_THROTTLES
    serializer_class = ResponseOutSerializer
    filterset_class = ResponseFilter
    queryset = Response.objects.select_related(
        "survey", "source", "customer", "ticket__team", "ticket__assignee"
    ).order_by("-responded_at", "-id")

    def get_permissions(self):
        return [CanIngest()] if self.request.method == "POST" else [CanReadResponses()]

    pagination_class = ListPagination

    def get_queryset(self):
        """Scoped like tickets (see docs/ENGINEERING.md, "Who sees what"); an admin's list
        is the plain table (no `id IN (SELECT id …)` over every answer)."""
        from tickets.selectors import responses_visible_to, user_is_admin

        if user_is_admin(self.request.user):
            return super().get_queryset()
        visible = responses_visible_to(self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible)

    @extend_schema(
        summary="List responses",
        responses={
            200: ResponseOutSerializer(many=True),
            400: ERROR_SCHEMA,
            401: ERROR_SCHEMA,
            403: ERROR_SCHEMA,
            404: error_response("No such page (e.g. page=0 or past the end): errors name `page`."),
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
        (result,) = responses_ingest_batch(source=source, items=[serializer.to_response_data()])
        if result.conflict is not None:
            return HttpResponse(conflict_body(result.conflict), status=status.HTTP_409_CONFLICT)
        if result.status == ERROR:
            return HttpResponse(
                error_body(result.errors, "not_stored"), status=status.HTTP_503_SERVICE_UNAVAILABLE
            )
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
        "per item, in order; a bad item never loses the good ones. A body of more than "
        "BULK_ASYNC_THRESHOLD (200) items is stored as an import job instead: 202 with the "
        "job (see GET /api/v1/imports/{id}/) and its URL in Location.",
        request=ResponseInSerializer(many=True),
        responses={
            200: BulkOutSerializer,
            202: ImportJobSerializer,
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
        key = request_source(request)
        source = key or default_api_source()
        if len(items) > bulk_async_threshold():
            job = import_job_bulk_create(
                source=source, items=items, user=request.user, by_source_key=key is not None
            )
            answer = HttpResponse(job_body(job, request), status=status.HTTP_202_ACCEPTED)
            answer["Location"] = reverse("api-import", kwargs={"pk": job.pk})
            return answer
        context: dict = {}
        outcomes = responses_ingest_batch(
            source=source, items=[self.validated(item, context) for item in items]
        )
        results = [self.result_of(index, outcome) for index, outcome in enumerate(outcomes)]
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
    def validated(item, context: dict):
        """The item's ResponseData, or its field errors for the engine to report back."""
        try:
            return answer_validate(item, context)
        except Invalid as exc:
            return exc

    @staticmethod
    def result_of(index: int, outcome: ItemResult) -> dict:
        result = {"index": index, "status": "error", "id": None, "ticket": None, "errors": {}}
        if outcome.conflict is not None:
            result["errors"] = conflict_body(outcome.conflict)["errors"]
            result["id"] = outcome.conflict.existing.pk
        elif outcome.status == ERROR:
            result["errors"] = outcome.errors
        else:
            result.update(
                status=outcome.status, id=outcome.response.pk, ticket=outcome.response.ticket_id
            )
        return result
