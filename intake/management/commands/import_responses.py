import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from intake.importing import FORMATS, ImportFileInvalid, responses_import, rows_read
from surveys.models import IngestionSource, Survey


class Command(BaseCommand):
    help = (
        "Imports survey answers from a CSV or JSON Lines file, row by row, through the same "
        "validation and ingestion as the API. Bad rows are reported by line; good rows are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the file, or - for standard input.")
        parser.add_argument("--source", required=True, help="Slug of the ingestion source.")
        parser.add_argument("--survey", help="Survey slug for rows without a survey column.")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the file name.")
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
        if file == "-":
            stream = io.TextIOWrapper(self.stdin_buffer(), encoding="utf-8-sig", newline="")
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            stream = path.open(encoding="utf-8-sig", newline="")
        with stream:
            try:
                summary = responses_import(
                    source=source_obj,
                    rows=rows_read(stream, fmt),
                    default_survey=survey_obj,
                    dry_run=dry_run,
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

    @staticmethod
    def stdin_buffer():
        import sys

        return sys.stdin.buffer
