import datetime as dt
import io
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from intake.importing import FORMATS, ImportFileInvalid, responses_import, rows_read
from intake.spreadsheet import SpreadsheetInvalid
from intake.spreadsheet_import import error_file, parse_map, spreadsheet_import, table_prepare
from surveys.models import IngestionSource, Survey


class Progress:
    """One plain line on stderr per chunk: rows done, rate and the time left."""

    def __init__(self, out, total: int | None):
        self.out = out
        self.total = total
        self.started = time.monotonic()

    def __call__(self, summary) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = summary.rows / elapsed
        line = _("%(rows)s rows, %(rate).0f rows/s") % {"rows": f"{summary.rows:,}", "rate": rate}
        if self.total:
            left = max(self.total - summary.rows, 0)
            eta = int(left / rate) if rate else 0
            line = _("%(rows)s of %(total)s rows (%(pct)d%%), %(rate).0f rows/s, ETA %(eta)s") % {
                "rows": f"{summary.rows:,}",
                "total": f"{self.total:,}",
                "pct": min(100, 100 * summary.rows // self.total),
                "rate": rate,
                "eta": str(dt.timedelta(seconds=eta)),
            }
        self.out.write(line)


class Command(BaseCommand):
    help = (
        "Imports survey answers from a CSV or JSON Lines file, row by row, through the same "
        "validation and ingestion as the API. Bad rows are reported by line; good rows are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the file, or - for standard input.")
        parser.add_argument("--source", required=True, help="Slug of the ingestion source.")
        parser.add_argument("--survey", help="Survey slug for rows without a survey column.")
        parser.add_argument(
            "--format", choices=(*FORMATS, "xlsx"), help="Default: from the file name."
        )
        parser.add_argument(
            "--map",
            default="",
            help="Column mapping, e.g. 'score=How likely…,comment=Why?,customer_email=Email'. "
            "Without it, platform exports are recognised and other headers guessed.",
        )
        parser.add_argument(
            "--time-zone",
            default="UTC",
            help="For dates written without a zone (e.g. Europe/Moscow).",
        )
        parser.add_argument(
            "--errors",
            help="Write failed rows here (row, column, reason), fixable and re-importable.",
        )
        parser.add_argument(
            "--no-ticket-older-than",
            type=int,
            help="Days; older answers count for NPS but open no ticket "
            "(default: IMPORT_TICKET_MAX_AGE_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count; store nothing."
        )

    def handle(self, *args, file, source, survey, format, dry_run, **options):
        source_obj = IngestionSource.objects.filter(slug=source).first()
        if source_obj is None:
            raise CommandError(f"Unknown source '{source}'.")
        if not source_obj.is_active:
            raise CommandError(f"Source '{source}' is not active.")
        survey_obj = None
        if survey:
            survey_obj = Survey.objects.filter(slug=survey).first()
            if survey_obj is None:
                raise CommandError(f"Unknown survey '{survey}'.")
        fmt = format or ("jsonl" if file.endswith((".jsonl", ".ndjson")) else "csv")
        if fmt != "jsonl":
            data = self.stdin_buffer().read() if file == "-" else self._read(file)
            try:
                table = table_prepare(data, filename=file, mapping=parse_map(options["map"]))
            except SpreadsheetInvalid as exc:
                raise CommandError(str(exc)) from exc
            plain = (
                table.shape == "contract"
                and table.encoding.startswith("utf-8")
                and table.delimiter == ","
                and not any(h.startswith("_") for h in table.header)
            )
            if not plain or options["map"] or options["errors"] or format == "xlsx":
                return self._spreadsheet(table, source_obj, survey_obj, dry_run, options)
        if file == "-":
            stream = io.TextIOWrapper(self.stdin_buffer(), encoding="utf-8-sig", newline="")
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            stream = path.open(encoding="utf-8-sig", newline="")
        total = None if file == "-" else self._count_rows(file, fmt)
        progress = Progress(self.stderr, total) if options["verbosity"] > 0 else None
        with stream:
            try:
                summary = responses_import(
                    source=source_obj,
                    rows=rows_read(stream, fmt),
                    default_survey=survey_obj,
                    dry_run=dry_run,
                    progress=progress,
                )
            except ImportFileInvalid as exc:
                raise CommandError(str(exc)) from exc
            except UnicodeDecodeError as exc:
                raise CommandError(f"The file is not UTF-8 text: {exc}") from exc
        for line, errors in summary.error_lines:
            for field, messages in errors.items():
                label = "" if field == "non_field_errors" else f"{field}: "
                self.stdout.write(
                    _("line %(line)d: %(problem)s")
                    % {"line": line, "problem": label + " ".join(messages)}
                )
        if summary.errors > len(summary.error_lines):
            self.stdout.write(
                _("… and %(n)d more errors") % {"n": summary.errors - len(summary.error_lines)}
            )
        counts = {
            "rows": summary.rows,
            "created": summary.created,
            "duplicates": summary.duplicates,
            "errors": summary.errors,
        }
        if dry_run:
            message = _(
                "DRY RUN: %(rows)d rows: %(created)d would be created, %(duplicates)d "
                "duplicates, %(errors)d errors"
            )
        else:
            message = _(
                "%(rows)d rows: %(created)d created, %(duplicates)d duplicates, %(errors)d errors"
            )
        self.stdout.write(message % counts)
        if summary.errors:
            raise CommandError(_("%(n)d rows failed.") % {"n": summary.errors}, returncode=1)

    @staticmethod
    def _count_rows(file: str, fmt: str) -> int:
        """For the ETA: non-empty lines (a CSV cell with a line break makes it approximate)."""
        with Path(file).open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        return max(lines - 1, 0) if fmt == "csv" else lines

    @staticmethod
    def _read(file: str) -> bytes:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        return path.read_bytes()

    def _spreadsheet(self, table, source, survey, dry_run, options):
        days = options["no_ticket_older_than"]
        started = time.monotonic()
        try:
            result = spreadsheet_import(
                source=source,
                table=table,
                survey=survey,
                tz_name=options["time_zone"],
                ticket_max_age=dt.timedelta(days=days) if days is not None else None,
                dry_run=dry_run,
            )
        except SpreadsheetInvalid as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            _("recognised: %(shape)s (%(enc)s); columns: %(map)s")
            % {
                "shape": result.shape,
                "enc": result.encoding,
                "map": ", ".join(f"{k}={v}" for k, v in result.mapping.items()),
            }
        )
        for failure in result.failures:
            self.stdout.write(
                _("row %(row)d: %(column)s: %(reason)s")
                % {"row": failure.row, "column": failure.column, "reason": failure.reason}
            )
        if options["errors"] and result.failures:
            Path(options["errors"]).write_text(error_file(result), encoding="utf-8")
        self.stdout.write(
            _(
                "%(rows)d rows: %(created)d created, %(duplicates)d duplicates, %(failed)d "
                "failed, %(quiet)d old detractors without a ticket; %(rate).0f rows/s"
            )
            % {
                "rows": len(table.rows),
                "created": result.created,
                "duplicates": result.duplicates,
                "failed": result.failed_rows,
                "quiet": result.without_ticket,
                "rate": len(table.rows) / elapsed if elapsed else 0,
            }
        )
        if result.failures:
            raise CommandError(_("%(n)d rows failed.") % {"n": result.failed_rows}, returncode=1)

    @staticmethod
    def stdin_buffer():
        import sys

        return sys.stdin.buffer
