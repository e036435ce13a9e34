"""Turns one answer in the contract's ingestion format into ResponseData, or field errors.

Webhooks and bulk import validate through the REST API's own input serializer
(intake.serializers.ResponseInSerializer), so every way in accepts and refuses
exactly the same things with the same messages. CSV rows arrive as text: they are
first typed here (score → integer, metadata → object) and then validated the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from feedback_desk.api import flatten_errors
from intake.quick_validation import quick_response_data
from intake.serializers import ResponseInSerializer
from intake.services import CUSTOMER_ATTRIBUTES, ResponseData
from surveys.models import Survey

CUSTOMER_FIELDS = ("external_id", "email", *CUSTOMER_ATTRIBUTES)
CSV_COLUMNS = (
    "survey",
    "external_id",
    "score",
    "comment",
    "channel",
    "responded_at",
    *(f"customer_{name}" for name in CUSTOMER_FIELDS),
    "metadata",
)
META_PREFIX = "meta_"


class Invalid(Exception):
    """Field errors in the API envelope's shape: {"field.path": ["message"]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def response_data(
    item,
    *,
    context: dict | None = None,
    default_survey: Survey | None = None,
    require_external_id: bool = False,
) -> ResponseData:
    """Validates one contract-format answer. `context` caches survey look-ups across calls."""
    if not isinstance(item, Mapping):
        raise Invalid({"non_field_errors": [_("Each answer must be a JSON object.")]})
    item = dict(item)
    if default_survey is not None and item.get("survey") in (None, ""):
        item["survey"] = default_survey.slug
    if require_external_id and item.get("external_id") in (None, ""):
        raise Invalid(
            {
                "external_id": [
                    _("Required here: deliveries are retried and the id makes a retry safe.")
                ]
            }
        )
    return answer_validate(item, context if context is not None else {})


def answer_validate(item, context: dict) -> ResponseData:
    """ResponseInSerializer's validation with its fields built once per context: a new
    serializer per answer deep-copies ~20 fields (most of its ~850 µs). An invalid answer
    is validated again the usual way, so its messages are exactly the API's. The common
    shape skips DRF altogether (intake/quick_validation.py)."""
    quick = quick_response_data(item, context)
    if quick is not None:
        return quick
    serializer = context.get("_answer_serializer")
    if serializer is None:
        serializer = context["_answer_serializer"] = ResponseInSerializer(context=context)
    try:
        serializer._validated_data = serializer.run_validation(item)
    except ValidationError:
        fresh = ResponseInSerializer(data=item, context=context)
        if not fresh.is_valid():
            raise Invalid(flatten_errors(fresh.errors)) from None
        serializer._validated_data = fresh.validated_data
    return serializer.to_response_data()


def unknown_csv_columns(header: list[str]) -> list[str]:
    return [c for c in header if c not in CSV_COLUMNS and not c.startswith(META_PREFIX)]


def item_from_csv_row(row: Mapping[str, str | None]) -> dict:
    """Types one CSV row into the contract's JSON shape. Empty cells count as absent."""
    item: dict = {}
    customer: dict = {}
    metadata: dict = {}
    errors: dict[str, list[str]] = {}
    for column, raw in row.items():
        if column is None:  # more cells than header columns
            errors.setdefault("non_field_errors", []).append(
                _("The row has more cells than the header has columns.")
            )
            continue
        value = (raw or "").strip()
        if value == "":
            continue
        if column == "score":
            try:
                item["score"] = int(value)
            except ValueError:
                errors["score"] = [_("Must be a whole number.")]
        elif column == "metadata":
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                errors["metadata"] = [_('Must be a JSON object, e.g. {"order_id": "A-77"}.')]
            else:
                metadata.update(parsed)
        elif column.startswith(META_PREFIX) and len(column) > len(META_PREFIX):
            metadata[column[len(META_PREFIX) :]] = value
        elif column.startswith("customer_"):
            customer[column[len("customer_") :]] = value
        else:
            item[column] = value
    if errors:
        raise Invalid(errors)
    item["customer"] = customer
    if metadata:
        item["metadata"] = metadata
    return item
