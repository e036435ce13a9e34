"""Bulk import: `import_responses` command and the admin upload page."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from intake.importing import csv_rows
from surveys.models import Customer, IngestionSource, Response
from tests.factories import SurveyFactory, answer_day
from tickets.models import Ticket

HEADER = (
    "survey,external_id,score,comment,channel,responded_at,customer_external_id,"
    "customer_email,customer_name,customer_segment,meta_order_id\n"
)
GOOD_AND_BAD = (
    (
        HEADER
        + "nps-2026,r-1,2,Late,email,{DAY}T09:15:00+03:00,c-1,a@example.com,Anna,smb,A-1\n"
        + "nps-2026,r-2,ten,,email,{DAY}T09:15:00+03:00,c-2,b@example.com,Boris,,\n"  # line 3
        + 'nps-2026,r-3,9,"Great,\nreally great",email,{DAY}T09:15:00Z,c-3,,Vera,,A-3\n'
        + "nps-2026,r-4,11,,,{DAY}T09:15:00Z,c-4,,,,\n"  # line 6: out of scale
        + "nps-2026,r-5,5,,,{DAY}T09:15:00,c-5,,,,\n"  # line 7: naive time
        + "nps-2026,r-6,7,,,,,,,,\n"  # line 8: no customer identity
        + "no-such,r-7,7,,,,c-7,,,,\n"  # line 9: unknown survey
        + "nps-2026,r-8,0,,,{NEXT}T10:00:00Z,,z@example.com,,,\n"
    )
    .replace("{DAY}", str(answer_day(3)))
    .replace("{NEXT}", str(answer_day(2)))
)


@pytest.fixture
def import_source(db):
    return IngestionSource.objects.create(
        name="CRM export", slug="crm-export", kind=IngestionSource.Kind.IMPORT
    )


def write(tmp_path, text: str, name: str = "answers.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args) -> str:
    """The command's output; it exits non-zero (CommandError) when any row failed."""
    out = io.StringIO()
    try:
        call_command("import_responses", *args, stdout=out)
    except CommandError as exc:
        if "rows failed" not in str(exc):
            raise
    return out.getvalue()


def test_good_rows_are_stored_and_bad_rows_reported_by_line(tmp_path, survey, import_source):
    output = run(write(tmp_path, GOOD_AND_BAD), "--source", "crm-export")
    assert "8 rows: 3 created, 0 duplicates, 5 errors" in output
    assert "line 3: score: Must be a whole number." in output
    assert "line 6: score: Must be between 0 and 10" in output
    assert "line 7: responded_at: Include a UTC offset" in output
    assert "line 8: customer.external_id:" in output
    assert "line 9: survey: Unknown survey 'no-such'." in output
    stored = {r.external_id: r for r in Response.objects.select_related("customer")}
    assert set(stored) == {"r-1", "r-3", "r-8"}
    assert stored["r-1"].metadata == {"order_id": "A-1"}
    assert stored["r-1"].customer.segment == "smb"
    assert stored["r-3"].comment == "Great,\nreally great"
    assert stored["r-1"].source == import_source
    # detractors r-1 and r-8 (two customers) opened tickets; the promoter did not
    assert Ticket.objects.count() == 2


def test_rerun_counts_duplicates_and_stores_nothing_new(tmp_path, survey, import_source):
    path = write(tmp_path, GOOD_AND_BAD)
    run(path, "--source", "crm-export")
    output = run(path, "--source", "crm-export")
    assert "8 rows: 0 created, 3 duplicates, 5 errors" in output
    assert Response.objects.count() == 3
    assert Ticket.objects.count() == 2


def test_duplicate_with_another_score_is_an_error_on_its_line(tmp_path, survey, import_source):
    run(write(tmp_path, HEADER + "nps-2026,r-1,2,,,,c-1,,,,\n"), "--source", "crm-export")
    output = run(
        write(tmp_path, HEADER + "nps-2026,r-1,9,,,,c-1,,,,\n", "again.csv"),
        "--source",
        "crm-export",
    )
    assert "line 2: score: Answer 'r-1' from this source was already stored with score 2." in (
        output
    )
    assert Response.objects.get().score == 2


def test_dry_run_stores_nothing_and_reports_the_same_counts(tmp_path, survey, import_source):
    output = run(write(tmp_path, GOOD_AND_BAD), "--source", "crm-export", "--dry-run")
    assert "DRY RUN: 8 rows: 3 would be created, 0 duplicates, 5 errors" in output
    assert "line 3: score:" in output
    assert Response.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_dry_run_sees_stored_duplicates(tmp_path, survey, import_source):
    path = write(tmp_path, GOOD_AND_BAD)
    run(path, "--source", "crm-export")
    output = run(path, "--source", "crm-export", "--dry-run")
    assert "3 would be created" not in output
    assert "0 would be created, 3 duplicates, 5 errors" in output


def test_survey_option_fills_rows_without_a_survey(tmp_path, import_source):
    SurveyFactory(slug="csat", scale_min=1, scale_max=5, detractor_max=2, passive_max=3)
    text = "external_id,score,customer_email,metadata\n" + (
        'x-1,1,a@example.com,"{""plan"": ""pro""}"\nx-2,6,b@example.com,\nx-3,4,c@example.com,[1]\n'
    )
    output = run(write(tmp_path, text), "--source", "crm-export", "--survey", "csat")
    assert "3 rows: 1 created, 0 duplicates, 2 errors" in output
    assert "line 3: score: Must be between 1 and 5" in output
    assert "line 4: metadata: Must be a JSON object" in output
    stored = Response.objects.get()
    assert (stored.survey.slug, stored.category, stored.metadata) == (
        "csat",
        "detractor",
        {"plan": "pro"},
    )


def test_jsonl_format(tmp_path, survey, import_source):
    lines = [
        json.dumps(
            {
                "survey": "nps-2026",
                "external_id": "j-1",
                "score": 4,
                "customer": {"email": "j@x.io"},
            }
        ),
        "",
        "{broken",
        json.dumps({"survey": "nps-2026", "external_id": "j-2", "score": "4", "customer": {}}),
    ]
    output = run(write(tmp_path, "\n".join(lines) + "\n", "a.jsonl"), "--source", "crm-export")
    assert "3 rows: 1 created, 0 duplicates, 2 errors" in output
    assert "line 3: Not valid JSON" in output
    assert "line 4: score: Must be a whole number (a JSON integer)." in output


def test_unknown_columns_stop_the_import_before_any_row(tmp_path, survey, import_source):
    text = "survey,external_id,scroe,customer_email\nnps-2026,r-1,3,a@example.com\n"
    with pytest.raises(CommandError, match="No score column recognised"):
        run(write(tmp_path, text), "--source", "crm-export")
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nope"], "Unknown source 'nope'"),
        (["--source", "crm-export", "--survey", "nope"], "Unknown survey 'nope'"),
    ],
)
def test_unknown_source_or_survey(tmp_path, survey, import_source, args, message):
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, GOOD_AND_BAD), *args)


def test_rows_are_read_lazily():
    """A large file is never loaded whole: the first row comes before the stream is consumed."""
    text = HEADER + "".join(f"nps-2026,r-{i},3,,,,c-{i},,,,\n" for i in range(50_000))
    stream = io.StringIO(text)
    rows = csv_rows(stream)
    line, first = next(rows)
    assert (line, first["external_id"]) == (2, "r-0")
    assert stream.tell() < len(text) // 10


def test_admin_upload_imports_and_shows_the_summary(client, admin_user, survey, import_source):
    client.force_login(admin_user)
    url = "/admin/intake/webhooksettings/import-responses/"
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("answers.csv", GOOD_AND_BAD.encode(), content_type="text/csv")
    page = client.post(url, {"file": upload, "source": import_source.pk, "format": "csv"})
    assert page.status_code == 200
    assert page.context["summary"].created == 3
    assert page.context["summary"].errors == 5
    content = page.content.decode()
    assert "Must be a whole number." in content
    assert Response.objects.count() == 3


def test_admin_upload_dry_run_and_bad_header(client, admin_user, survey, import_source):
    client.force_login(admin_user)
    url = "/admin/intake/webhooksettings/import-responses/"
    upload = SimpleUploadedFile("answers.csv", GOOD_AND_BAD.encode())
    page = client.post(
        url, {"file": upload, "source": import_source.pk, "format": "csv", "dry_run": "on"}
    )
    assert page.context["summary"].dry_run is True
    assert Response.objects.count() == 0
    upload = SimpleUploadedFile("bad.csv", b"what,ever\n1,2\n")
    page = client.post(url, {"file": upload, "source": import_source.pk, "format": "csv"})
    assert "Unknown columns: what, ever" in page.context["file_error"]


def test_admin_upload_needs_staff(client, survey):
    page = client.get("/admin/intake/webhooksettings/import-responses/")
    assert page.status_code == 302


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_admin_upload_is_refused_to_signed_in_staffless_roles(client, survey, import_source, role):
    """Signed in is not enough: an agent or a team manager must not import answers."""
    from django.contrib.auth.models import Group

    from tests.factories import TeamFactory, UserFactory

    user = UserFactory(username=f"{role}-1", is_staff=False)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    team = TeamFactory(slug="t-import", name="Import team")
    if role == "manager":
        team.manager = user
        team.save()
    else:
        team.members.add(user)
    client.force_login(user)
    url = "/admin/intake/webhooksettings/import-responses/"
    page = client.get(url)
    assert page.status_code == 302 and "/admin/login/" in page["Location"]
    upload = SimpleUploadedFile("answers.csv", GOOD_AND_BAD.encode(), content_type="text/csv")
    posted = client.post(url, {"file": upload, "source": import_source.pk, "format": "csv"})
    assert posted.status_code == 302 and "/admin/login/" in posted["Location"]
    assert Response.objects.count() == 0
