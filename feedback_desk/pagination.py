"""List pagination that stays fast at any depth.

Page numbers (the default) never count more than LIST_COUNT_CAP rows: above it the answer
says `"count": <cap>, "count_capped": true`, and pages past the cap still work (a page is
found by reading its rows, not by dividing a count). A cursor (`?cursor=` or
`?pagination=cursor`) continues after the last row shown, on the list's ordering plus the
id, so page 5,000 costs what page 1 does: the next page is a range condition the ordering's
index answers, not an OFFSET that reads and drops every earlier row. NULLs sort where the
ordering puts them (e.g. tickets without a deadline last) and are compared explicitly.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, OrderBy, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

NEVER = Q(pk__in=[])


@dataclass(frozen=True)
class Key:
    """One ordering column: its field, direction and where its NULLs sort."""

    field: str
    descending: bool
    nulls_last: bool
    nullable: bool = True

    def reversed(self) -> Key:
        return Key(self.field, not self.descending, not self.nulls_last, self.nullable)

    def order(self) -> OrderBy:
        expression = F(self.field)
        if self.nulls_last:
            return (
                expression.desc(nulls_last=True)
                if self.descending
                else expression.asc(nulls_last=True)
            )
        return (
            expression.desc(nulls_first=True)
            if self.descending
            else expression.asc(nulls_first=True)
        )

    def equal(self, value) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})

    def after(self, value, *, or_equal: bool = False) -> Q:
        """Rows sorting after `value` in this column (or level with it)."""
        if value is None:
            later = NEVER if self.nulls_last else Q(**{f"{self.field}__isnull": False})
            return later | self.equal(None) if or_equal else later
        lookup = ("lt" if self.descending else "gt") + ("e" if or_equal else "")
        later = Q(**{f"{self.field}__{lookup}": value})
        if self.nulls_last and self.nullable:
            return later | Q(**{f"{self.field}__isnull": True})
        return later


def ordering_keys(queryset: QuerySet) -> list[Key]:
    """The queryset's ordering as keys, made total with the id."""
    model = queryset.model
    keys: list[Key] = []
    for item in queryset.query.order_by or model._meta.ordering:
        if isinstance(item, str):
            descending = item.startswith("-")
            name, nulls_last = item.lstrip("-"), not descending
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            name, descending = item.expression.name, item.descending
            nulls_last = bool(item.nulls_last) or (not descending and not item.nulls_first)
        else:
            raise ValueError(f"cannot page {item!r} by cursor")
        if name in ("pk", "id"):
            keys.append(Key("pk", descending, nulls_last, nullable=False))
        else:
            keys.append(Key(name, descending, nulls_last, model._meta.get_field(name).null))
    if not any(key.field == "pk" for key in keys):
        keys.append(Key("pk", False, True, nullable=False))
    return keys


def keyset_after(keys: list[Key], values: list) -> Q:
    """(k1, k2, …) after (v1, v2, …) in mixed directions: k1 after v1, or k1 = v1 and k2
    after v2, … — led by "k1 at or after v1" so the index on k1 can start there."""
    either = NEVER
    for i, key in enumerate(keys):
        level = Q()
        for earlier, value in zip(keys[:i], values[:i], strict=True):
            level &= earlier.equal(value)
        either |= level & key.after(values[i])
    return keys[0].after(values[0], or_equal=True) & either


def fetch_after(queryset, keys: list[Key], values: list | None, limit: int) -> list:
    """Up to `limit` rows after `values`. When the leading column is nullable and its NULLs
    sort after the cursor's value (or its values after the cursor's NULL), the two regions
    are read one after the other: each is a plain range of the ordering's index, where one
    query with "k1 >= v1 OR k1 IS NULL" would make PostgreSQL sort every matching row."""
    if values is None:
        return list(queryset[:limit])
    lead, first = keys[0], values[0]
    rest = keyset_after(keys[1:], values[1:]) if len(keys) > 1 else NEVER
    if first is None:  # within the NULLs: only the later columns decide
        within = Q(**{f"{lead.field}__isnull": True}) & rest
    else:  # a range of the leading column's index, no OR with its NULLs
        op = "lt" if lead.descending else "gt"
        within = Q(**{f"{lead.field}__{op}e": first}) & (
            Q(**{f"{lead.field}__{op}": first}) | (Q(**{lead.field: first}) & rest)
        )
    rows = list(queryset.filter(within)[:limit])
    other_after = lead.nulls_last if first is not None else not lead.nulls_last
    if other_after and lead.field != "pk" and len(rows) < limit:
        other = Q(**{f"{lead.field}__isnull": first is not None})
        rows += list(queryset.filter(other)[: limit - len(rows)])
    return rows


def encode(value):
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    return value


def decode(value):
    if isinstance(value, dict) and set(value) == {"t"}:
        parsed = parse_datetime(value["t"])
        if parsed is None:
            raise ValueError(value)
        return parsed
    if isinstance(value, dict) and set(value) == {"d"}:
        return Decimal(value["d"])
    if value is not None and not isinstance(value, int | float | str | bool):
        raise ValueError(value)
    return value


def no_such_page() -> str:
    """The 404 of page 0, past the end or not a number names `page` (the contract's rule)."""
    return _("No such page; pages are numbered from 1 to the last one.")


class ListPagination(BasePagination):
    """Page numbers with a capped count, or a cursor on request (see the module doc)."""

    page_size = 50
    max_page_size = 200
    page_query_param = "page"
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Use a whole number of at least 1.")]}
            )
        return min(size, self.max_page_size)

    def uses_cursor(self, request) -> bool:
        params = request.query_params
        return self.cursor_query_param in params or params.get("pagination") == "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_now = self.get_page_size(request)
        keys = ordering_keys(queryset)
        queryset = queryset.order_by(*(key.order() for key in keys))
        if self.uses_cursor(request):
            return self.cursor_page(queryset, keys, request)
        return self.number_page(queryset, request)

    # --- page numbers ---------------------------------------------------------------

    def number_page(self, queryset, request) -> list:
        self.cursor_mode = False
        raw = request.query_params.get(self.page_query_param, "1")
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0
        if number < 1:
            raise NotFound({self.page_query_param: [no_such_page()]})
        size = self.page_size_now
        offset = (number - 1) * size
        rows, found = self.rows_at(queryset, offset, size)
        if number > 1 and not found:
            raise NotFound({self.page_query_param: [no_such_page()]})
        self.number = number
        self.has_next = found > size
        cap = settings.LIST_COUNT_CAP
        if not self.has_next:
            self.count, self.count_capped = offset + found, False  # known without counting
        else:
            counted = queryset.order_by()[: cap + 1].count()
            self.count, self.count_capped = min(counted, cap), counted > cap
        return rows

    @staticmethod
    def rows_at(queryset, offset: int, size: int) -> tuple[list, int]:
        """(the page's rows, how many rows there are from offset on, counted up to
        size + 1). Past the first page, the ids of the page (and of one row more) are
        found first on the list's own table and only the page's rows are then read with
        their related rows: an OFFSET over a join would join every row it skips (380 ms
        for page 500 of a million answers, 42 ms this way). A row changed or deleted
        between the two reads is left out but keeps its place, so pages do not shift."""
        if not offset:
            rows = list(queryset[: size + 1])
            return rows[:size], len(rows)
        ids = list(queryset.values_list("pk", flat=True)[offset : offset + size + 1])
        page = ids[:size]
        by_id = {row.pk: row for row in queryset.filter(pk__in=page)}
        return [by_id[pk] for pk in page if pk in by_id], len(ids)

    # --- cursor ---------------------------------------------------------------------

    def cursor_page(self, queryset, keys: list[Key], request) -> list:
        self.cursor_mode = True
        self.keys = keys
        self.signature = [[k.field, k.descending] for k in keys]
        raw = request.query_params.get(self.cursor_query_param) or ""
        backwards, values = self.decode_cursor(raw) if raw else (False, None)
        size = self.page_size_now
        if backwards:
            reversed_keys = [key.reversed() for key in keys]
            queryset = queryset.order_by(*(key.order() for key in reversed_keys))
            rows = fetch_after(queryset, reversed_keys, values, size + 1)
            self.has_previous, self.has_next = len(rows) > size, True
            rows = rows[:size][::-1]
        else:
            rows = fetch_after(queryset, keys, values, size + 1)
            self.has_next, self.has_previous = len(rows) > size, values is not None
            rows = rows[:size]
        self.rows = rows
        return rows

    def row_values(self, row) -> list:
        return [getattr(row, "pk" if key.field == "pk" else key.field) for key in self.keys]

    def encode_cursor(self, row, *, backwards: bool) -> str:
        body = {"o": self.signature, "b": backwards, "v": [encode(v) for v in self.row_values(row)]}
        raw = json.dumps(body, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(self, raw: str) -> tuple[bool, list]:
        invalid = ValidationError(
            {
                self.cursor_query_param: [
                    _(
                        "This cursor is not valid for this list and ordering; start again "
                        "without it."
                    )
                ]
            }
        )
        try:
            body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            if body["o"] != self.signature or not isinstance(body["b"], bool):
                raise invalid
            values = [decode(v) for v in body["v"]]
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
            raise invalid from None
        if len(values) != len(self.keys):
            raise invalid
        return body["b"], values

    def cursor_link(self, row, *, backwards: bool) -> str:
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.page_query_param)
        url = remove_query_param(url, "pagination")
        return replace_query_param(
            url, self.cursor_query_param, self.encode_cursor(row, backwards=backwards)
        )

    # --- the answer -----------------------------------------------------------------

    def get_next_link(self) -> str | None:
        if self.cursor_mode:
            return (
                self.cursor_link(self.rows[-1], backwards=False)
                if self.has_next and self.rows
                else None
            )
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.cursor_mode:
            return (
                self.cursor_link(self.rows[0], backwards=True)
                if self.has_previous and self.rows
                else None
            )
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        body = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        if not self.cursor_mode:
            body = {"count": self.count, "count_capped": self.count_capped, **body}
        return Response({**body, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "Page-number mode only: the number of rows, at most "
                    "LIST_COUNT_CAP (10,000).",
                },
                "count_capped": {
                    "type": "boolean",
                    "description": "Page-number mode only: true when there are more rows "
                    "than `count` says.",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number (from 1). Deep pages are slow; use the cursor.",
                "schema": {"type": "integer"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most "
                f"{self.max_page_size}).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Keyset pagination: send it empty (or pagination=cursor) for "
                "the first page, then follow `next`/`previous`. Stays fast at any depth; no "
                "`count`. A cursor is valid only for the ordering it was made with.",
                "schema": {"type": "string"},
            },
            {
                "name": "pagination",
                "required": False,
                "in": "query",
                "description": "`cursor` for keyset pagination (same as an empty `cursor`).",
                "schema": {"type": "string", "enum": ["cursor", "page"]},
            },
        ]
