"""Streamed CSV exports: UTF-8 with a BOM (Excel opens it right), ISO 8601 times."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(["" if v is None else _cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """ISO times; text a spreadsheet would run as a formula gets a leading apostrophe
    (OWASP CSV injection). Numbers stay numbers, so -3 is not touched."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def ticket_rows(qs) -> Iterator[list]:
    fields = (
        "pk",
        "status",
        "priority",
        "team__slug",
        "assignee__username",
        "customer__name",
        "customer__email",
        "customer__segment",
        "origin_response__survey__slug",
        "origin_response__score",
        "origin_response__comment",
        "created_at",
        "first_contacted_at",
        "resolved_at",
        "next_due_at",
    )
    for row in qs.values_list(*fields).iterator(chunk_size=2000):
        yield list(row)


TICKET_HEADER = [
    "id",
    "status",
    "priority",
    "team",
    "assignee",
    "customer",
    "email",
    "segment",
    "survey",
    "score",
    "comment",
    "created_at",
    "first_contacted_at",
    "resolved_at",
    "next_due_at",
]

RESPONSE_HEADER = [
    "id",
    "survey",
    "external_id",
    "score",
    "category",
    "comment",
    "channel",
    "responded_at",
    "customer_external_id",
    "customer",
    "email",
    "segment",
    "ticket",
]


def response_rows(qs) -> Iterator[list]:
    fields = (
        "pk",
        "survey__slug",
        "external_id",
        "score",
        "category",
        "comment",
        "channel",
        "responded_at",
        "customer__external_id",
        "customer__name",
        "customer__email",
        "customer__segment",
        "ticket_id",
    )
    for row in qs.order_by("responded_at", "pk").values_list(*fields).iterator(chunk_size=2000):
        yield list(row)
