"""Unsaved model instances for bulk inserts, built without Model.__init__.

Model(**kwargs) walks every field, pops its keyword and runs the descriptors of related
fields: for the thousands of rows of an ingestion batch that costs more than inserting
them. `unsaved(Model, ...)` gives the same instance (the same defaults, the same related
objects cached) from a dictionary copy. There are no pre_init/post_init receivers in the
project; a model that needs them must keep using its constructor.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from django.db import models
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)


@cache
def _defaults(model: type[models.Model]) -> tuple[dict, tuple, frozenset]:
    """(constant defaults by attname, (attname, callable) pairs called for each row,
    the attnames a row may be given)."""
    constant: dict = {}
    computed = []
    for f in model._meta.concrete_fields:
        if f.generated or (f.has_db_default() and not f.has_default()):
            raise TypeError(
                f"unsaved() cannot build {model.__name__}: {f.name} is set by the database"
            )
        if f.has_default() and callable(f.default):
            computed.append((f.attname, f.default))
        else:
            constant[f.attname] = f.get_default()
    return constant, tuple(computed), frozenset(constant) | {name for name, _ in computed}


@cache
def _unknown(model: type[models.Model], names: frozenset) -> frozenset:
    return names - _defaults(model)[2]


def unsaved(model: type[M], related: dict | None = None, /, **values) -> M:
    """model(**values) for column values given by attname (`customer_id`, not `customer`);
    `related` maps a relation's name to the object it points to, whose pk is copied into
    the column and which the instance keeps cached as Model.__init__ would."""
    constant, computed, _names = _defaults(model)
    unknown = _unknown(model, frozenset(values))
    if unknown:  # e.g. `customer=` meant for `related`: the column would stay empty
        raise TypeError(f"unsaved({model.__name__}): not a column: {', '.join(sorted(unknown))}")
    obj = model.__new__(model)
    row = obj.__dict__
    row.update(constant)
    for attname, make in computed:
        if attname not in values:
            row[attname] = make()
    state = row["_state"] = ModelState()
    if related:
        for name, target in related.items():
            field = model._meta.get_field(name)
            row[field.attname] = None if target is None else target.pk
        state.fields_cache = dict(related)
    row.update(values)
    return obj
