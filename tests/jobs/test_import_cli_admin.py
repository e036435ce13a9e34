"""The import command's progress line, and import jobs in the admin."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from intake.jobs import import_job_run
from intake.models import ImportJob
from surveys.models import IngestionSource, Response
from tests import factories

ADMIN_UPLOAD = "/admin/intake/webhooksettings/import-responses/"


@pytest.fixture
def import_source(db):
    return IngestionSource.objects.create(
        name="CRM export", slug="crm-export", kind=IngestionSource.Kind.IMPORT
    )


def jsonl(count: int, bad: tuple[int, ...] = ()) -> str:
    lines = []
    for i in range(count):
        item = {
            "survey": "nps-2026",
            "external_id": f"j{i}",
            "score": "x" if i in bad else 9,
            "responded_at": "2026-11-20T09:15:00Z",
            "customer": {"external_id": f"c{i}"},
        }
        lines.append(json.dumps(item))
    return "\n".join(lines) + "\n"


def test_the_command_writes_progress_with_rate_and_eta_every_thousand_rows(
    tmp_path, survey, import_source
):
    path = tmp_path / "answers.jsonl"
    path.write_text(jsonl(2500))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_responses", str(path), "--source", "crm-export", stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("1,000 of 2,500 rows (40%), ")
    assert lines[1].startswith("2,000 of 2,500 rows (80%), ")
    assert lines[2].startswith("2,500 of 2,500 rows (100%), ")
    assert all(re.search(r"\d+ rows/s, ETA \d+:\d\d:\d\d$", line) for line in lines)
    assert lines[2].endswith("ETA 0:00:00")
    assert "2500 rows: 2500 created" in out.getvalue()
    assert Response.objects.count() == 2500


def test_a_large_admin_upload_becomes_a_job_its_page_refreshes_until_done(
    client, settings, survey, import_source
):
    settings.IMPORT_ASYNC_BYTES = 100
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    upload = SimpleUploadedFile("a.jsonl", jsonl(5, bad=(3,)).encode())
    answer = client.post(
        ADMIN_UPLOAD, {"file": upload, "source": import_source.pk, "format": "jsonl"}
    )
    job = ImportJob.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/admin/intake/importjob/{job.pk}/change/"
    assert (job.kind, job.status, job.rows_total) == ("file", "queued", 5)
    assert not Response.objects.exists()
    page = client.get(answer["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page

    import_job_run(job_id=job.pk)

    page = client.get(answer["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    listing = client.get("/admin/intake/importjob/").content.decode()
    assert "5 / 5 (100%)" in listing
    report = client.get(f"/admin/intake/importjob/{job.pk}/errors.csv")
    assert report.content.decode("utf-8-sig").splitlines()[1].startswith("4,score,")
    assert Response.objects.count() == 4
