"""Shared by the spreadsheet import tests: the export fixtures, the clock, running the command."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from django.core.management import CommandError, call_command

from surveys.models import Response

EXPORTS = Path(__file__).parent / "exports"
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


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
