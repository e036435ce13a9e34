"""Admin page: upload a spreadsheet export, see how it was recognised and the first rows as
they would be stored, adjust the column mapping, then import. Nothing is stored before the
second step; the file travels back with the form (base64) so no temporary storage is needed."""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from intake.spreadsheet import FIELDS, SpreadsheetInvalid, row_item, time_zone
from intake.spreadsheet_import import error_file, spreadsheet_import, table_prepare
from surveys.models import IngestionSource, Survey

PREVIEW_ROWS = 5


class SpreadsheetForm(forms.Form):
    file = forms.FileField(
        label=_lazy("file"),
        required=False,
        help_text=_lazy("CSV (any common encoding and delimiter) or XLSX export."),
    )
    data = forms.CharField(widget=forms.HiddenInput, required=False)
    filename = forms.CharField(widget=forms.HiddenInput, required=False)
    source = forms.ModelChoiceField(
        label=_lazy("source"), queryset=IngestionSource.objects.filter(is_active=True)
    )
    survey = forms.ModelChoiceField(label=_lazy("survey"), queryset=Survey.objects.all())
    time_zone = forms.CharField(
        label=_lazy("time zone"),
        initial="UTC",
        help_text=_lazy("For dates written without a zone, e.g. Europe/Moscow."),
    )
    date_order = forms.ChoiceField(
        label=_lazy("date order"),
        choices=[
            ("auto", _lazy("from the file")),
            ("dmy", _lazy("day first (20/11/2026)")),
            ("mdy", _lazy("month first (11/20/2026)")),
        ],
        initial="auto",
        required=False,
    )


def _bytes(form: SpreadsheetForm) -> tuple[bytes, str]:
    upload = form.cleaned_data.get("file")
    if upload:
        return upload.read(), upload.name
    try:
        return base64.b64decode(form.cleaned_data["data"], validate=True), form.cleaned_data[
            "filename"
        ]
    except (binascii.Error, ValueError) as exc:
        raise SpreadsheetInvalid(_("Choose a file.")) from exc


def _shown(table, cells, tz) -> tuple[dict, dict]:
    item, errors = row_item(table, cells, tz=tz)
    item.pop("_raw", None)
    return item, errors


def spreadsheet_import_view(request: HttpRequest) -> HttpResponse:
    """Wrapped by admin.site.admin_view (staff only, CSRF-protected) in intake/admin.py."""
    if not request.user.has_perm("surveys.add_response") and not request.user.is_superuser:
        raise PermissionDenied
    form = SpreadsheetForm(request.POST or None, request.FILES or None)
    context = {**admin.site.each_context(request), "title": _("Import a spreadsheet export")}
    if request.method == "POST" and form.is_valid():
        try:
            data, filename = _bytes(form)
            if not data:
                raise SpreadsheetInvalid(_("Choose a file."))
            chosen = {f: request.POST.get(f"map_{f}", "") for f in FIELDS}
            mapping = {f: c for f, c in chosen.items() if c}
            submitted = any(f"map_{f}" in request.POST for f in FIELDS)
            table = table_prepare(
                data,
                filename=filename,
                mapping=mapping or None,
                replace=submitted,
                order=form.cleaned_data.get("date_order") or "auto",
            )
            tz = time_zone(form.cleaned_data["time_zone"])
            context.update(
                table=table,
                data=base64.b64encode(data).decode(),
                filename=filename,
                fields=[(f, table.mapping.get(f, "")) for f in FIELDS],
                preview=[
                    (row, _shown(table, cells, tz)) for row, cells in table.rows[:PREVIEW_ROWS]
                ],
            )
            if request.POST.get("confirm"):
                result = spreadsheet_import(
                    source=form.cleaned_data["source"],
                    table=table,
                    survey=form.cleaned_data["survey"],
                    tz_name=form.cleaned_data["time_zone"],
                )
                context.update(
                    result=result, errors_csv=error_file(result) if result.failures else ""
                )
        except SpreadsheetInvalid as exc:
            context["file_error"] = str(exc)
    context["form"] = form
    return TemplateResponse(request, "admin/intake/import_spreadsheet.html", context)
