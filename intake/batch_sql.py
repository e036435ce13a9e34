"""Set-wise SQL the ingestion batch engine needs, for PostgreSQL and SQLite (≥ 3.35) alike:
a multi-row INSERT … ON CONFLICT DO NOTHING RETURNING, and ids reserved ahead of it."""

from __future__ import annotations

import operator
import time
from collections.abc import Iterator, Sequence

from django.db import connection, models

# Rows per statement: bounded by the bound-parameter limit (SQLite's is the lower one).
ROWS_PER_STATEMENT = 1000


class LostRace(Exception):
    """Another transaction inserted a row this batch meant to insert: start again."""


def chunks(values: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def any_of(queryset, field: str, values, *, or_field: str = "", or_values=()):
    """queryset rows whose field is one of values (or or_field one of or_values): one
    array parameter (`= ANY(%s)`) on PostgreSQL, an IN list elsewhere."""
    if connection.vendor != "postgresql":
        query = models.Q(**{f"{field}__in": list(values)})
        if or_field:
            query |= models.Q(**{f"{or_field}__in": list(or_values)})
        return queryset.filter(query)
    opts = queryset.model._meta
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    where = f"{table}.{quote(opts.get_field(field).column)} = ANY({_array_of(values)})"
    params = [_array_param(values)]
    if or_field:
        column = quote(opts.get_field(or_field).column)
        where = f"({where} OR {table}.{column} = ANY({_array_of(or_values)}))"
        params.append(_array_param(or_values))
    return queryset.extra(where=[where], params=params)


def _texts(values) -> bool:
    return all(isinstance(v, str) for v in values)


def _array_of(values) -> str:
    """Strings travel as one array literal: Django's client-side binding quotes a text
    array element by element through a regular expression, one string in one C call.
    (A constant array, unlike a sub-select, lets PostgreSQL hash it in a scan.)"""
    return "%s::text[]" if _texts(values) else "%s"


def _array_param(values):
    if not _texts(values):
        return list(values)
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def _param_limit() -> int:
    limit = getattr(connection.features, "max_query_params", None) or 65535
    return min(limit, 65535)


def insert_ignore_returning(
    model: type[models.Model],
    objs: Sequence[models.Model],
    field_names: Sequence[str],
    returning: Sequence[str],
) -> list[tuple]:
    """Inserts the objects in the order given, skipping rows that violate a unique
    constraint (somebody else's row wins), and returns `returning` of the rows inserted.
    Field defaults and auto_now values are applied as Model.save() would."""
    if not objs:
        return []
    opts = model._meta
    fields = [opts.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    returned = ", ".join(quote(opts.get_field(name).column) for name in returning)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(ROWS_PER_STATEMENT, _param_limit() // len(fields)))
    rows: list[tuple] = []
    if connection.vendor == "postgresql":
        return _insert_unnest(model, objs, fields, columns, returned)
    with connection.cursor() as cursor:
        for chunk in chunks(objs, size):
            params: list = []
            for obj in chunk:
                for f in fields:
                    params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "
                f"{', '.join([one_row] * len(chunk))} ON CONFLICT DO NOTHING RETURNING {returned}",
                params,
            )
            rows.extend(cursor.fetchall())
    return rows


def _reader(f: models.Field):
    """How a column's value is read for PostgreSQL: the attribute itself unless the field
    computes it (auto_now) or adapts it (JSON); psycopg adapts the rest."""
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return lambda obj: f.pre_save(obj, True)
    if isinstance(f, models.JSONField):
        return lambda obj: f.get_db_prep_save(getattr(obj, f.attname), connection)
    return operator.attrgetter(f.attname)


def _insert_unnest(model, objs, fields, columns: str, returned: str) -> list[tuple]:
    """PostgreSQL: one array per column, so the statement text stays short whatever the
    number of rows (a VALUES list of thousands of placeholders costs more to build and
    parse than to execute)."""
    arrays = [[value(obj) for obj in objs] for value in map(_reader, fields)]
    casts = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    return server_side_execute(
        f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) "
        f"ON CONFLICT DO NOTHING RETURNING {returned}",
        arrays,
    )


def server_side_execute(sql: str, params: list) -> list[tuple]:
    """Runs one statement (placeholders %b) with server-side, binary parameters on
    Django's connection, in its transaction. Django's client-side binding renders every
    array element into the SQL text through a regular expression, which costs more than
    the insert itself."""
    import psycopg

    connection.ensure_connection()
    start = time.monotonic()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)  # %b placeholders: parameters sent in binary
        rows = cursor.fetchall() if cursor.description else []
    if connection.queries_logged:  # CaptureQueriesContext and DEBUG count it like any other
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - start:.3f}"})
    return rows


def ids_reserve(model: type[models.Model], n: int) -> list[int]:
    """n ids of the model's table, in increasing order, that no other insert will take:
    rows can then be written once, already pointing at each other (the foreign keys are
    checked at commit), instead of inserted and then updated with the ids they got."""
    if n <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is named once (MATERIALIZED): in the select list,
            # pg_get_serial_sequence() would run for every row (5× the cost).
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
                " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                [table, column, n],
            )
            return sorted(pk for (pk,) in cursor.fetchall())
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"ids_reserve: no way to reserve ids on {connection.vendor}")
        # SQLite: AUTOINCREMENT tables keep their last id in sqlite_sequence, and the
        # first write of the transaction holds the database's only write lock.
        quote = connection.ops.quote_name
        highest = f"(SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)})"
        cursor.execute(
            f"INSERT INTO sqlite_sequence (name, seq) SELECT %s, {highest} "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
            [table, table],
        )
        cursor.execute(
            f"UPDATE sqlite_sequence SET seq = MAX(seq, {highest}) + %s WHERE name = %s "
            "RETURNING seq",
            [n, table],
        )
        (last,) = cursor.fetchone()
    return list(range(last - n + 1, last + 1))
