"""Import jobs (large bulk bodies and files): progress and the error report."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from api.authentication import SourceKeyAuthentication
from api.permissions import request_source
from feedback_desk.authentication import GuardedTokenAuthentication
from feedback_desk.throttling import ReadRateThrottle
from intake.jobs import import_job_errors_csv, import_job_visible
from intake.models import ImportJob

ERROR = OpenApiResponse(
    description='{"detail": "...", "code": "...", "errors": {"field": ["message"]}}'
)


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    errors_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "rows_total",
            "rows_done",
            "created",
            "duplicates",
            "errors",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
            "url",
            "errors_url",
        ]

    def get_url(self, job) -> str:
        return reverse("api-import", kwargs={"pk": job.pk})

    def get_errors_url(self, job) -> str:
        return reverse("api-import-errors", kwargs={"pk": job.pk})


def job_body(job: ImportJob, request) -> dict:
    return ImportJobSerializer(job, context={"request": request}).data


class SignedIn(BasePermission):
    """A source key or a signed-in user; which jobs they see is decided per job."""

    def has_permission(self, request, view) -> bool:
        return request_source(request) is not None or bool(
            request.user and request.user.is_authenticated
        )


class ImportJobMixin:
    authentication_classes = [
        GuardedTokenAuthentication,
        SourceKeyAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [SignedIn]
    throttle_classes = [ReadRateThrottle]

    def job(self, request, pk: int) -> ImportJob:
        """Someone else's job is a 404, not a 403: its existence is not disclosed."""
        job = ImportJob.objects.filter(pk=pk).first()
        if job is None or not import_job_visible(
            job=job, user=request.user, source=request_source(request)
        ):
            raise Http404
        return job


class ImportJobView(ImportJobMixin, GenericAPIView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        summary="An import job's progress",
        description="Visible to the source key or user that created it, and to admins. "
        "`status`: queued, running, done, failed.",
        responses={200: ImportJobSerializer, 401: ERROR, 404: ERROR},
    )
    def get(self, request, pk: int):
        return Response(job_body(self.job(request, pk), request))


class ImportJobErrorsView(ImportJobMixin, GenericAPIView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        summary="An import job's error report (CSV: row, field, reason)",
        description="`row` is the item's index in a bulk body, or the line in a file.",
        responses={
            (200, "text/csv"): OpenApiResponse(description="row,field,reason"),
            401: ERROR,
            404: ERROR,
        },
    )
    def get(self, request, pk: int):
        job = self.job(request, pk)
        answer = HttpResponse(
            "\ufeff" + import_job_errors_csv(job=job), content_type="text/csv; charset=utf-8"
        )
        answer["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return answer
