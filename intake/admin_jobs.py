"""Admin for import jobs: a list with the counts, and a detail page that refreshes itself
while the job runs, with its error report as CSV."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from intake.jobs import import_job_errors_csv
from intake.models import ImportJob

REFRESH_SECONDS = 2


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "source",
        "progress",
        "created",
        "duplicates",
        "errors",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("source", "created_by")
    exclude = ("items", "text", "error_rows")
    readonly_fields = (
        "kind",
        "status",
        "source",
        "created_by",
        "by_source_key",
        "survey",
        "file_format",
        "progress",
        "rows_total",
        "rows_done",
        "created",
        "duplicates",
        "errors",
        "error_report",
        "failure",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
    )
    change_form_template = "admin/intake/importjob_change_form.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("progress"))
    def progress(self, obj: ImportJob) -> str:
        percent = 100 * obj.rows_done // obj.rows_total if obj.rows_total else 0
        return f"{obj.rows_done:,} / {obj.rows_total:,} ({percent}%)"

    @admin.display(description=_("error report"))
    def error_report(self, obj: ImportJob) -> str:
        if not obj.errors:
            return "—"
        url = reverse("admin:intake_importjob_errors", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the CSV"))

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/errors.csv",
                self.admin_site.admin_view(self.errors_csv),
                name="intake_importjob_errors",
            )
        ]
        return extra + super().get_urls()

    def errors_csv(self, request, pk: int) -> HttpResponse:
        job = ImportJob.objects.filter(pk=pk).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        answer = HttpResponse(
            "\ufeff" + import_job_errors_csv(job=job), content_type="text/csv; charset=utf-8"
        )
        answer["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return answer

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = ImportJob.objects.filter(pk=object_id).only("status").first()
        running = job is not None and job.status in (
            ImportJob.Status.QUEUED,
            ImportJob.Status.RUNNING,
        )
        extra_context = {
            **(extra_context or {}),
            "refresh_seconds": REFRESH_SECONDS if running else 0,
        }
        return super().change_view(request, object_id, form_url, extra_context)
