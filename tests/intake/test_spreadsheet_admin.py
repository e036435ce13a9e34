"""Admin spreadsheet upload: preview of the first rows and the mapping before anything is stored."""

from __future__ import annotations

from pathlib import Path

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import IngestionSource, Response
from tests import factories

EXPORTS = Path(__file__).parent / "exports"
URL = "/admin/intake/webhooksettings/import-spreadsheet/"


@time_machine.travel("2026-11-22T12:00:00Z", tick=False)
def test_preview_then_import_with_a_corrected_mapping(client, survey):
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    source = IngestionSource.objects.create(name="Exports", slug="exports", kind="import")
    assert client.get(URL).status_code == 200
    form = {"source": source.pk, "survey": survey.pk, "time_zone": "Europe/Moscow"}
    data = (EXPORTS / "google_forms_excel_ru.csv").read_bytes()
    page = client.post(URL, {**form, "file": SimpleUploadedFile("ru.csv", data)})
    assert page.status_code == 200
    assert page.context["table"].shape == "google_forms"
    assert len(page.context["preview"]) == 3
    first_item, first_errors = page.context["preview"][0][1]
    assert (first_item["score"], first_errors) == (1, {})
    assert "Курьер опоздал" in page.content.decode()
    assert Response.objects.count() == 0  # a preview stores nothing

    chosen = {f"map_{name}": column for name, column in page.context["fields"]}
    chosen["map_comment"] = ""  # the administrator drops the comment column
    page = client.post(
        URL,
        {**form, **chosen, "data": page.context["data"], "filename": "ru.csv", "confirm": "1"},
    )
    assert page.context["result"].created == 3
    assert set(Response.objects.values_list("comment", flat=True)) == {""}


def test_admin_spreadsheet_page_needs_staff(client):
    assert client.get(URL).status_code == 302
