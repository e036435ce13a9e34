"""Bulk import of answers from CSV or JSON Lines files, streamed row by row.

Every row goes through the same validation as the REST API; valid rows are stored by the
ingestion batch engine in chunks of CHUNK_ROWS (one transaction each), and a row the
database refuses costs only itself (the engine retries that chunk row by row).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.batch import ERROR, responses_ingest_batch
from intake.services import ResponseData
from intake.spreadsheet import row_digest
from intake.validation import Invalid, item_from_csv_row, response_data, unknown_csv_columns
from surveys.models import IngestionSource, Response, Survey

FORMATS = ("csv", "jsonl")
MAX_REPORTED_ERRORS = 1000
CHUNK_ROWS = 1000  # rows per engine batch (one transaction each)


class ImportFileInvalid(Exception):
    """The file as a whole cannot be read (no header, unknown columns)."""


@dataclass
class ImportSummary:
    created: int = 0
    duplicates: int = 0
    errors: int = 0
    without_ticket: int = 0  # old detractors stored without a ticket
    dry_run: bool = False
    # (line number, {"field": ["message"]}); only the first MAX_REPORTED_ERRORS are kept
    error_lines: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.duplicates + self.errors

    def add_error(self, line: int, errors: dict[str, list[str]]) -> None:
        self.errors += 1
        if len(self.error_lines) < MAX_REPORTED_ERRORS:
            self.error_lines.append((line, errors))

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "dry_run": self.dry_run,
            "error_lines": [{"line": line, "errors": e} for line, e in self.error_lines],
        }


def csv_rows(stream: IO[str]) -> Iterator[tuple[int, dict | Invalid]]:
    """Yields (line number where the record starts, contract-format item or its errors)."""
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ImportFileInvalid(_("The header line cannot be read: %(e)s") % {"e": exc}) from exc
    if not header:
        raise ImportFileInvalid(_("The file is empty; the first line must name the columns."))
    header = [h.strip() for h in header]
    reader.fieldnames = header
    unknown = unknown_csv_columns(header)
    if unknown:
        raise ImportFileInvalid(
            _("Unknown columns: %(cols)s. See docs/integrations.md for the CSV format.")
            % {"cols": ", ".join(unknown)}
        )
    if "score" not in header:
        raise ImportFileInvalid(_("The header has no 'score' column."))
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, Invalid({"non_field_errors": [str(exc)]})
            continue
        try:
            item = item_from_csv_row(row)
        except Invalid as exc:
            yield line, exc
            continue
        if not item.get("external_id"):
            item["external_id"] = "row-" + row_digest([row.get(h) or "" for h in header])
        yield line, item


def jsonl_rows(stream: IO[str]) -> Iterator[tuple[int, dict | Invalid]]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError as exc:
            yield (
                line,
                Invalid({"non_field_errors": [_("Not valid JSON (%(error)s).") % {"error": exc}]}),
            )
            continue
        if isinstance(item, dict) and not item.get("external_id"):
            canonical = json.dumps(item, sort_keys=True, ensure_ascii=False)
            item["external_id"] = f"row-{hashlib.sha256(canonical.encode()).hexdigest()[:24]}"
        yield line, item


def rows_read(stream: IO[str], fmt: str) -> Iterator[tuple[int, dict | Invalid]]:
    return csv_rows(stream) if fmt == "csv" else jsonl_rows(stream)


def responses_import(
    *,
    source: IngestionSource,
    rows: Iterable[tuple[int, dict | Invalid]],
    default_survey: Survey | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[ImportSummary], None] | None = None,
    ticket_max_age: dt.timedelta | None = None,
) -> ImportSummary:
    """Validates and stores each row on its own. A dry run validates and looks for
    duplicates but writes nothing. `progress` is called with the summary so far after each
    chunk (every CHUNK_ROWS rows read). Answers older than `ticket_max_age` (default
    IMPORT_TICKET_MAX_AGE_DAYS) count for NPS but open no ticket."""
    now = now or timezone.now()
    oldest = now - (ticket_max_age or dt.timedelta(days=settings.IMPORT_TICKET_MAX_AGE_DAYS))
    summary = ImportSummary(dry_run=dry_run)
    cache: dict = {}
    chunk: list[tuple[int, ResponseData | Invalid]] = []
    for read, (line, row) in enumerate(rows, start=1):
        if progress is not None and read > 1 and (read - 1) % CHUNK_ROWS == 0:
            if chunk:
                _chunk_store(summary, source, chunk, now, oldest)
                chunk = []
            progress(summary)
        if isinstance(row, Invalid):
            summary.add_error(line, row.errors)
            continue
        try:
            data = response_data(row, context=cache, default_survey=default_survey)
        except Invalid as exc:
            summary.add_error(line, exc.errors)
            continue
        if dry_run:
            _dry_run_count(summary, source, line, data)
            continue
        chunk.append((line, data))
        if len(chunk) >= CHUNK_ROWS:
            _chunk_store(summary, source, chunk, now, oldest)
            chunk = []
    if chunk:
        _chunk_store(summary, source, chunk, now, oldest)
    if progress is not None:
        progress(summary)
    return summary


def _dry_run_count(summary: ImportSummary, source, line: int, data: ResponseData) -> None:
    existing = (
        Response.objects.filter(source=source, external_id=data.external_id)
        .values_list("score", "survey_id")
        .first()
    )
    if existing is None:
        summary.created += 1
    elif existing == (data.score, data.survey.pk):
        summary.duplicates += 1
    else:
        summary.add_error(line, _conflict_errors(data.external_id, existing[0]))


def _chunk_store(summary: ImportSummary, source, chunk: list, now, oldest) -> None:
    """One engine batch (one transaction) per chunk of rows; answers before `oldest` are
    stored and counted for NPS but open no ticket."""
    outcomes = responses_ingest_batch(
        source=source, items=[data for _, data in chunk], now=now, ticket_cutoff=oldest
    )
    for (line, data), outcome in zip(chunk, outcomes, strict=True):
        if outcome.conflict is not None:
            summary.add_error(
                line, _conflict_errors(data.external_id, outcome.conflict.existing.score)
            )
        elif outcome.status == ERROR:
            summary.add_error(line, outcome.errors)
        elif outcome.created:
            summary.created += 1
            summary.without_ticket += (
                data.responded_at < oldest and outcome.response.category == "detractor"
            )
        else:
            summary.duplicates += 1


def _conflict_errors(external_id: str, score: int) -> dict[str, list[str]]:
    return {
        "score": [
            _("Answer '%(id)s' from this source was already stored with score %(score)d.")
            % {"id": external_id, "score": score}
        ]
    }
