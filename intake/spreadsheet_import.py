"""Importing a recognised or mapped spreadsheet: everything is read and checked first, then
the good rows are stored one by one through today's ingestion service; bad rows come back
with (row, column, reason) and make an error file that can be fixed and imported again."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.batch import CONFLICT, CREATED, DUPLICATE, responses_ingest_batch
from intake.batch_sql import chunks
from intake.spreadsheet import (
    FIELDS,
    SpreadsheetInvalid,
    Table,
    date_order,
    read_table,
    row_item,
    time_zone,
)
from intake.validation import Invalid, response_data
from surveys.models import IngestionSource, Response, Survey

ERROR_COLUMNS = ("_row", "_column", "_reason")
CHUNK = 1000  # rows per batch-engine call (one transaction each)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(row: dict) -> dict:
    """Cells a spreadsheet would run as formulas get a leading apostrophe (shown as text);
    re-importing the error file takes it off again (intake.spreadsheet.read_table)."""
    return {
        key: f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for key, value in row.items()
    }


@dataclass
class RowFailure:
    row: int
    column: str
    reason: str
    item: dict
    cells: dict[str, str] = field(default_factory=dict)  # the row as in the file, by column


@dataclass
class SpreadsheetResult:
    shape: str
    encoding: str
    delimiter: str
    mapping: dict[str, str]
    header: list[str] = field(default_factory=list)
    created: int = 0
    duplicates: int = 0
    without_ticket: int = 0
    failures: list[RowFailure] = field(default_factory=list)
    dry_run: bool = False

    @property
    def failed_rows(self) -> int:
        return len({f.row for f in self.failures})


def parse_map(text: str) -> dict[str, str]:
    """`score=How likely…,comment=Why?` → {"score": "How likely…", "comment": "Why?"}."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, column = part.partition("=")
        if not sep or name.strip() not in FIELDS:
            raise SpreadsheetInvalid(
                _("--map takes field=column pairs; fields: %(f)s.") % {"f": ", ".join(FIELDS)}
            )
        mapping[name.strip()] = column.strip()
    return mapping


def table_prepare(
    data: bytes,
    *,
    filename: str = "",
    mapping: dict | None = None,
    replace: bool = False,
    encoding: str = "",
    order: str = "auto",
) -> Table:
    """Reads the whole file; `mapping` adds to (or with replace=True, replaces) what was
    recognised from the headers."""
    table = read_table(data, filename, encoding=encoding)
    if mapping:
        missing = [c for c in mapping.values() if c not in table.header]
        if missing:
            raise SpreadsheetInvalid(
                _("No such columns: %(cols)s. The file has: %(have)s.")
                % {"cols": ", ".join(missing), "have": ", ".join(table.header)}
            )
        table.mapping = dict(mapping) if replace else {**table.mapping, **mapping}
        table.shape = "mapped" if table.shape != "contract" else table.shape
    if "score" not in table.mapping:
        raise SpreadsheetInvalid(
            _("No score column recognised; name it, e.g. --map 'score=<column>'. Columns: %(h)s.")
            % {"h": ", ".join(table.header)}
        )
    table.day_first = date_order(table, order)
    return table


def spreadsheet_import(
    *,
    source: IngestionSource,
    table: Table,
    survey: Survey | None,
    tz_name: str = "UTC",
    ticket_max_age: dt.timedelta | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> SpreadsheetResult:
    now = now or timezone.now()
    tz = time_zone(tz_name)
    max_age = ticket_max_age or dt.timedelta(days=settings.IMPORT_TICKET_MAX_AGE_DAYS)
    result = SpreadsheetResult(
        shape=table.shape,
        encoding=table.encoding,
        delimiter=table.delimiter,
        mapping=dict(table.mapping),
        header=list(table.header),
        dry_run=dry_run,
    )
    checked = []
    cache: dict = {}
    for row, cells in table.rows:  # everything checked before the first row is stored
        item, errors = row_item(table, cells, tz=tz)
        raw = item.pop("_raw")
        as_written = dict(zip(table.header, cells + [""] * len(table.header), strict=False))
        if not errors:
            try:
                data = response_data(item, context=cache, default_survey=survey)
                checked.append((row, item, data, as_written))
                continue
            except Invalid as exc:
                errors = {
                    table.mapping.get(k.removeprefix("customer."), k): v
                    for k, v in exc.errors.items()
                }
        for column, messages in errors.items():
            result.failures.append(
                RowFailure(row, column, " ".join(messages), {**item, "_raw": raw}, as_written)
            )
    cutoff = now - max_age
    for chunk in chunks(checked, CHUNK):
        if dry_run:
            _dry_run_count(source, chunk, result)
            continue
        results = responses_ingest_batch(
            source=source,
            items=[data for _row, _item, data, _cells in chunk],
            now=now,
            ticket_cutoff=cutoff,
        )
        for (row, item, data, as_written), outcome in zip(chunk, results, strict=True):
            if outcome.status == CREATED:
                result.created += 1
                result.without_ticket += (
                    data.responded_at < cutoff and outcome.response.category == "detractor"
                )
            elif outcome.status == DUPLICATE:
                result.duplicates += 1
            elif outcome.status == CONFLICT:
                reason = _("Already imported with score %(score)d.") % {
                    "score": outcome.response.score
                }
                result.failures.append(
                    RowFailure(row, table.mapping["score"], reason, item, as_written)
                )
            else:
                reason = " ".join(m for ms in outcome.errors.values() for m in ms)
                result.failures.append(RowFailure(row, "", reason, item, as_written))
    return result


def _dry_run_count(source: IngestionSource, chunk, result: SpreadsheetResult) -> None:
    """What an import would do, from one look-up per chunk."""
    ids = [data.external_id for _row, _item, data, _cells in chunk]
    stored = set(
        Response.objects.filter(source=source, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    for external_id in ids:
        if external_id in stored:
            result.duplicates += 1
        else:
            result.created += 1


def error_file(result: SpreadsheetResult) -> str:
    """The failed rows in the contract's CSV columns plus _row, _column, _reason: fix the
    cells and import the file again (the _ columns are ignored, ids are kept). A file in the
    contract's columns keeps all of its own columns (survey, channel, meta_…) as written."""
    out = io.StringIO()
    if result.shape == "contract" and result.header:
        own = [h for h in result.header if h not in ERROR_COLUMNS]
        writer = csv.DictWriter(out, fieldnames=[*own, *ERROR_COLUMNS], extrasaction="ignore")
        writer.writeheader()
        for failure in result.failures:
            writer.writerow(
                _safe(
                    {
                        **failure.cells,
                        "_row": failure.row,
                        "_column": failure.column,
                        "_reason": failure.reason,
                    }
                )
            )
        return out.getvalue()
    columns = [*FIELDS, *ERROR_COLUMNS]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for failure in result.failures:
        item = failure.item
        customer = item.get("customer") or {}
        raw = item.get("_raw") or {}
        row = {
            "external_id": item.get("external_id", ""),
            "score": item.get("score", ""),
            "comment": item.get("comment", ""),
            "responded_at": item.get("responded_at", ""),
            **{
                f"customer_{k}": customer.get(k, "")
                for k in ("external_id", "email", "name", "segment")
            },
            **{k: v for k, v in raw.items() if k != "external_id" and v},
            "_row": failure.row,
            "_column": failure.column,
            "_reason": failure.reason,
        }
        writer.writerow(_safe(row))
    return out.getvalue()
