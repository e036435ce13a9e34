"""JSON that the database and Python can hold: bounded nesting, finite numbers.

Python parses 1e999 as inf (PostgreSQL's jsonb refuses it) and a body nested ~1,000 deep
raises RecursionError: both must be a 400 naming the field, not a 500 or a retried 503.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_BODY_DEPTH = 512  # the whole body; deeper is refused before any field is read
MAX_METADATA_DEPTH = 10


def nesting_depth(value) -> int:
    """Depth of nested lists/dicts (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def has_non_finite(value) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def json_value_problem(value, *, max_depth: int) -> str | None:
    """Why a parsed JSON value cannot be stored, or None."""
    if nesting_depth(value) > max_depth:
        return _("Nested deeper than %(max)d levels.") % {"max": max_depth}
    if has_non_finite(value):
        return _("Numbers must be finite (no Infinity, NaN or 1e999).")
    return None


def _too_deep() -> str:
    limit = getattr(settings, "JSON_MAX_DEPTH", MAX_BODY_DEPTH)
    return _("Nested deeper than %(max)d levels.") % {"max": limit}


def body_depth_problem(value) -> str | None:
    limit = getattr(settings, "JSON_MAX_DEPTH", MAX_BODY_DEPTH)
    return _too_deep() if nesting_depth(value) > limit else None


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, answering a too-deep body with a 400 naming `body`."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            problem = _too_deep()
            raise ParseError({"detail": problem, "errors": {"body": [problem]}}) from None
        problem = body_depth_problem(data)
        if problem:
            raise ParseError({"detail": problem, "errors": {"body": [problem]}})
        return data
