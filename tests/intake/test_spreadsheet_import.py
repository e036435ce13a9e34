"""import_responses with real export shapes: recognised without hand-editing, decoded as a
whole first, failed rows to a re-importable error file, nothing imported twice."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError

from surveys.models import Response
from tests.intake.spreadsheet_helpers import EXPORTS, NOW, run, stored
from tickets.models import Ticket


@time_machine.travel(NOW, tick=False)
def test_surveymonkey_two_header_rows(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "surveymonkey_export.csv", "--source", "exports", "--survey", "nps-2026"
    )
    assert not failed, output
    assert "recognised: surveymonkey" in output
    answers = stored()
    assert {k: r.score for k, r in answers.items()} == {
        "114298840927": 3,
        "114298840928": 10,
        "114298840929": 8,
    }
    first = answers["114298840927"]
    assert first.comment == "Delivery was late"
    assert first.customer.external_id == "CRM-1"
    assert first.customer.email == "ivan@example.com"
    assert first.responded_at == dt.datetime(2026, 11, 20, 9, 15, 3, tzinfo=dt.UTC)
    assert Ticket.objects.get().origin_response == first


@time_machine.travel(NOW, tick=False)
def test_google_forms_timestamp_with_gmt_offset(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "google_forms_export.csv", "--source", "exports", "--survey", "nps-2026"
    )
    assert not failed, output
    assert "recognised: google_forms (utf-8-sig)" in output
    answer = Response.objects.select_related("customer").get(customer__email="anna@example.com")
    assert answer.responded_at == dt.datetime(2026, 11, 20, 6, 15, 3, tzinfo=dt.UTC)
    assert (answer.score, answer.comment) == (2, "Support never called back")
    assert answer.external_id.startswith("row-")


@time_machine.travel(NOW, tick=False)
def test_excel_in_russia_windows_1251_semicolons(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "google_forms_excel_ru.csv",
        "--source",
        "exports",
        "--survey",
        "nps-2026",
        "--time-zone",
        "Europe/Moscow",
    )
    assert not failed, output
    assert "cp1251" in output
    answer = Response.objects.get(customer__email="svetlana@example.com")
    assert answer.comment == "Курьер опоздал на два часа, никто не перезвонил"
    assert answer.responded_at == dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
    assert Response.objects.count() == 3


@time_machine.travel(NOW, tick=False)
def test_typeform_xlsx(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "typeform_export.xlsx", "--source", "exports", "--survey", "nps-2026"
    )
    assert not failed, output
    assert "recognised: typeform (xlsx)" in output
    answer = stored()["k3p0q9x1c7h2a8b4"]
    assert (answer.score, answer.comment, answer.customer.email) == (
        5,
        "Too expensive",
        "lena@example.com",
    )
    assert answer.responded_at == dt.datetime(2026, 11, 20, 9, 12, 44, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_delighted_export(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "delighted_export.csv", "--source", "exports", "--survey", "nps-2026"
    )
    assert not failed, output
    answer = stored()["88123001"]
    assert (answer.score, answer.customer.external_id, answer.customer.name) == (
        4,
        "5975001",
        "Paul Gravis",
    )
    assert answer.responded_at == dt.datetime(2026, 11, 20, 6, 15, 3, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_contract_columns_tab_separated_with_a_default_zone(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "contract_export.tsv",
        "--source",
        "exports",
        "--time-zone",
        "Europe/Moscow",
    )
    assert not failed, output
    answer = stored()["crm-101"]
    assert (answer.comment, answer.channel, answer.customer.segment) == (
        "Никто не помог",
        "email",
        "smb",
    )
    assert answer.responded_at == dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_bad_rows_go_to_an_error_file_that_reimports_and_nothing_twice(
    tmp_path, survey, spreadsheet_source
):
    text = (EXPORTS / "google_forms_export.csv").read_text(encoding="utf-8-sig")
    text += (
        "not a date,carl@example.com,4,Slow\n2026/11/21 8:00:00 AM GMT+3,dina@example.com,eleven,\n"
    )
    source_file = tmp_path / "form.csv"
    source_file.write_text(text, encoding="utf-8")
    errors = tmp_path / "errors.csv"
    args = ("--source", "exports", "--survey", "nps-2026", "--errors", errors)
    output, failed = run(source_file, *args)
    assert failed
    assert "row 4: Timestamp:" in output
    assert "row 5: How likely are you to recommend us to a friend?:" in output
    assert Response.objects.count() == 2
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert [(r["_row"], r["_column"]) for r in rows] == [
        ("4", "Timestamp"),
        ("5", "How likely are you to recommend us to a friend?"),
    ]
    rows[0]["responded_at"] = "21.11.2026 10:00"
    rows[1]["score"] = "1"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    output, failed = run(fixed, "--source", "exports", "--survey", "nps-2026")
    assert not failed, output
    assert Response.objects.count() == 4
    assert Response.objects.get(customer__email="dina@example.com").score == 1
    # Re-running the original imports nothing twice (ids from the content hash).
    output, failed = run(source_file, *args)
    assert "0 created, 2 duplicates, 2 failed" in output
    assert Response.objects.count() == 4


@time_machine.travel(NOW, tick=False)
def test_old_detractors_count_but_open_no_ticket(survey, spreadsheet_source):
    output, failed = run(
        EXPORTS / "surveymonkey_export.csv",
        "--source",
        "exports",
        "--survey",
        "nps-2026",
        "--no-ticket-older-than",
        "1",
    )
    assert not failed
    assert "1 old detractors without a ticket" in output
    assert Response.objects.filter(category="detractor").count() == 1
    assert Ticket.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_unknown_headers_need_a_map_and_a_damaged_file_stores_nothing(
    tmp_path, survey, spreadsheet_source
):
    path = tmp_path / "crm.csv"
    path.write_text("Client;Mark;Remark\nC-9;2;bad\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No score column recognised"):
        run(path, "--source", "exports", "--survey", "nps-2026")
    output, failed = run(
        path,
        "--source",
        "exports",
        "--survey",
        "nps-2026",
        "--map",
        "score=Mark,comment=Remark,customer_external_id=Client",
    )
    assert not failed, output
    assert Response.objects.get().customer.external_id == "C-9"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CommandError, match="XLSX"):
        run(broken, "--source", "exports", "--survey", "nps-2026")
    assert Response.objects.count() == 1


def test_the_import_format_with_a_stray_column_is_refused_before_any_row(
    tmp_path, survey, spreadsheet_source
):
    path = tmp_path / "answers.csv"
    path.write_text(
        "survey,external_id,score,customer_email,scroe_note\nnps-2026,r-1,3,a@example.com,x\n"
    )
    with pytest.raises(CommandError, match="Unknown columns: scroe_note"):
        run(path, "--source", "exports")
    assert Response.objects.count() == 0
