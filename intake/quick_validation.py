"""A plain-Python check for the common shape of an answer, ahead of ResponseInSerializer.

DRF's field machinery costs most of an import's per-row Python time. An answer whose
every value is plainly valid (strings without surrounding blanks, known survey, score in
its scale, …) is turned into exactly the ResponseData the serializer would give; for
anything else `quick_response_data` returns None and the serializer decides, with its
messages (tests/intake/test_quick_validation.py compares the two on many shapes).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from feedback_desk.safe_json import MAX_METADATA_DEPTH, json_value_problem
from intake.serializers import unstorable_text
from intake.services import CustomerData, ResponseData
from surveys.models import ContactChannel, Survey

ANSWER_KEYS = frozenset(
    ("survey", "external_id", "score", "comment", "channel", "responded_at", "customer", "metadata")
)
CUSTOMER_TEXTS = {"name": 200, "phone": 64, "segment": 64, "locale": 16, "time_zone": 64}
CUSTOMER_KEYS = frozenset(("external_id", "email", "preferred_channel", *CUSTOMER_TEXTS))


class _Unsure(Exception):
    """The serializer must decide."""


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def _channels() -> frozenset[str]:
    return frozenset(str(value) for value, _label in ContactChannel.choices)


@cache
def _email_validator() -> EmailValidator:
    """Django's email check with its patterns compiled here: the class keeps them as lazy
    objects, and every attribute read through a lazy proxy costs more than the match."""
    validator = EmailValidator()
    for name in ("user_regex", "domain_regex", "literal_regex"):
        lazy = getattr(EmailValidator, name)
        setattr(validator, name, re.compile(lazy.pattern, lazy.flags))
    return validator


def _limits(context: dict) -> tuple[int, dt.timedelta]:
    """(comment length, future tolerance) read from settings once per context: settings
    is a lazy object too."""
    limits = context.get("_quick_limits")
    if limits is None:
        limits = context["_quick_limits"] = (
            settings.COMMENT_MAX_LENGTH,
            dt.timedelta(seconds=settings.FUTURE_TOLERANCE_SECONDS),
        )
    return limits


def _text(value, max_length: int, *, blank: bool = True) -> str:
    """StrictCharField: a string, trimmed, storable, not too long (blank if allowed)."""
    if not isinstance(value, str) or unstorable_text(value):
        raise _Unsure
    value = value.strip()
    if len(value) > max_length or (not value and not blank):
        raise _Unsure
    return value


def _identifier(value, *, blank: bool) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _text(value, 200, blank=blank)


def _survey(slug, context: dict) -> Survey:
    slug = _text(slug, 64, blank=False)
    surveys = context.setdefault("surveys", {})
    if slug not in surveys:
        surveys[slug] = Survey.objects.filter(slug=slug).first()
    survey = surveys[slug]
    if survey is None or not survey.is_active:
        raise _Unsure
    return survey


def _moment(value, tolerance: dt.timedelta) -> dt.datetime:
    if not isinstance(value, str):
        raise _Unsure
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        raise _Unsure from None
    if moment is None or timezone.is_naive(moment):
        raise _Unsure
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:
        raise _Unsure from None
    if moment > timezone.now() + tolerance:
        raise _Unsure
    return moment


def _customer(value) -> CustomerData:
    if not isinstance(value, dict) or not value.keys() <= CUSTOMER_KEYS:
        raise _Unsure
    external_id = value.get("external_id")
    if external_id is not None:
        external_id = _identifier(external_id, blank=True)
    email = value.get("email")
    if email is not None:
        email = _text(email, 254).lower()
        if email:
            try:
                _email_validator()(email)
            except ValidationError:
                raise _Unsure from None
    if not external_id and not email:
        raise _Unsure
    attributes = {}
    for name, max_length in CUSTOMER_TEXTS.items():
        if name in value:
            attributes[name] = _text(value[name], max_length)
    if attributes.get("time_zone") and attributes["time_zone"] not in _zones():
        raise _Unsure
    if "preferred_channel" in value:
        channel = value["preferred_channel"]
        if not isinstance(channel, str) or (channel and channel not in _channels()):
            raise _Unsure
        attributes["preferred_channel"] = channel
    return CustomerData(
        external_id=external_id or None,
        email=email or None,
        attributes={k: v for k, v in attributes.items() if v},
    )


def _metadata(value) -> dict:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _Unsure
    if json_value_problem(value, max_depth=MAX_METADATA_DEPTH) or unstorable_text(value):
        raise _Unsure
    return dict(value)


def quick_response_data(item, context: dict) -> ResponseData | None:
    """The serializer's ResponseData for a plainly valid answer; None when unsure."""
    if not isinstance(item, dict) or not item.keys() <= ANSWER_KEYS:
        return None
    try:
        survey = _survey(item.get("survey"), context)
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, int):
            raise _Unsure
        if not survey.scale_min <= score <= survey.scale_max:
            raise _Unsure
        external_id = item.get("external_id")
        if "external_id" in item:
            external_id = _identifier(external_id, blank=False)
        comment_max, tolerance = _limits(context)
        comment = _text(item.get("comment", ""), comment_max)
        channel = _text(item.get("channel", ""), 32)
        responded_at = _moment(item["responded_at"], tolerance) if "responded_at" in item else None
        customer = _customer(item.get("customer"))
        metadata = _metadata(item["metadata"]) if "metadata" in item else {}
    except _Unsure:
        return None
    return ResponseData(
        survey=survey,
        external_id=external_id or f"auto-{uuid.uuid4()}",
        score=score,
        comment=comment,
        channel=channel,
        responded_at=responded_at or timezone.now(),
        customer=customer,
        metadata=metadata,
    )
