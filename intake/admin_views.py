"""Admin page: upload a CSV (or JSON Lines) file of answers and see the import summary."""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from intake.importing import FORMATS, ImportFileInvalid, responses_import, rows_read
from intake.jobs import import_job_file_create
from surveys.models import IngestionSource, Survey


class ImportForm(forms.Form):
    file = forms.FileField(label=_lazy("file"), help_text=_lazy("CSV with a header line, UTF-8."))
    source = forms.ModelChoiceField(
        label=_lazy("source"), queryset=IngestionSource.objects.filter(is_active=True)
    )
    survey = forms.ModelChoiceField(
        label=_lazy("survey"),
        queryset=Survey.objects.all(),
        required=False,
        help_text=_lazy("For rows without a survey column."),
    )
    format = forms.ChoiceField(
        label=_lazy("format"), choices=[(f, f.upper()) for f in FORMATS], initial="csv"
    )
    dry_run = forms.BooleanField(
        label=_lazy("dry run (validate only, store nothing)"), required=False
    )


def _as_job(request: HttpRequest, form: ImportForm, upload) -> HttpResponse:
    """A large file is stored as an import job; its page shows the progress."""
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.add_error("file", _("The file is not UTF-8 text."))
        context = {**admin.site.each_context(request), "title": _("Import survey answers")}
        return TemplateResponse(
            request, "admin/intake/import_responses.html", {**context, "form": form}
        )
    job = import_job_file_create(
        source=form.cleaned_data["source"],
        text=text,
        file_format=form.cleaned_data["format"],
        survey=form.cleaned_data["survey"],
        user=request.user,
    )
    messages.info(request, _("The file is imported in the background; this page shows how far."))
    return redirect("admin:intake_importjob_change", job.pk)


def responses_import_view(request: HttpRequest) -> HttpResponse:
    """Wrapped by admin.site.admin_view (staff only, CSRF-protected) in intake/admin.py."""
    if not request.user.has_perm("surveys.add_response") and not request.user.is_superuser:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    summary = None
    file_error = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        large = not form.cleaned_data["dry_run"] and upload.size > settings.IMPORT_ASYNC_BYTES
        if large:
            return _as_job(request, form, upload)
        # The upload is read as a stream, row by row: a large file is never held whole.
        stream = io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline="")
        try:
            summary = responses_import(
                source=form.cleaned_data["source"],
                rows=rows_read(stream, form.cleaned_data["format"]),
                default_survey=form.cleaned_data["survey"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportFileInvalid as exc:
            file_error = str(exc)
        except UnicodeDecodeError:
            file_error = _("The file is not UTF-8 text.")
        finally:
            stream.detach()
    context = {
        **admin.site.each_context(request),
        "title": _("Import survey answers"),
        "form": form,
        "summary": summary,
        "file_error": file_error,
    }
    return TemplateResponse(request, "admin/intake/import_responses.html", context)
