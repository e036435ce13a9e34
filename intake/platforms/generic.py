"""Our own scheme, for any system that can compute an HMAC.

Body: one answer in the CONTRACT.md ingestion format, or a JSON array of them.
Headers:
    X-FeedbackDesk-Signature: sha256=<hex HMAC-SHA256>
    X-FeedbackDesk-Timestamp: <Unix seconds>   (optional; required if the source says so)
Signed string: the raw body, or "<timestamp>.<raw body>" when the timestamp header is sent,
so a captured delivery cannot be replayed with a fresh timestamp.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, MappedItem, PayloadInvalid, SignatureRejected

NAME = "generic"
SIGNATURE_HEADER = "X-FeedbackDesk-Signature"
TIMESTAMP_HEADER = "X-FeedbackDesk-Timestamp"
PREFIX = signing.SHA256_PREFIX
MAPPING_KEYS: tuple[str, ...] = ()


def signed_string(body: bytes, timestamp: str | None) -> bytes:
    return f"{timestamp}.".encode() + body if timestamp else body


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """The header value a sender computes (used by tests and the docs' example)."""
    return PREFIX + signing.hex_signature(secret, signed_string(body, timestamp))


def verify(*, body: bytes, headers, context: Context) -> None:
    sent = signing.require_sha256_header(headers, SIGNATURE_HEADER, context.secret)
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip() or None
    if timestamp is None and context.require_timestamp:
        raise SignatureRejected(
            TIMESTAMP_HEADER,
            _("The %(header)s header is required by this source.") % {"header": TIMESTAMP_HEADER},
        )
    expected = sign(context.secret, body, timestamp)
    signing.check_equal(SIGNATURE_HEADER, sent.lower(), expected)
    if timestamp is not None:
        signing.check_timestamp(
            TIMESTAMP_HEADER,
            timestamp,
            now=context.now or timezone.now(),
            tolerance_seconds=context.tolerance_seconds,
        )


def to_items(*, payload, context: Context) -> list[MappedItem]:
    if isinstance(payload, dict):
        return [MappedItem(item=payload)]
    if isinstance(payload, list):
        if not payload:
            raise PayloadInvalid({"non_field_errors": [_("The array has no answers.")]})
        if len(payload) > django_settings.BULK_MAX_ITEMS:
            raise PayloadInvalid(
                {
                    "non_field_errors": [
                        _("At most %(max)d answers per delivery; got %(count)d.")
                        % {"max": django_settings.BULK_MAX_ITEMS, "count": len(payload)}
                    ]
                }
            )
        return [MappedItem(item=entry) for entry in payload]
    raise PayloadInvalid(
        {"non_field_errors": [_("Send one answer as a JSON object, or a JSON array of them.")]}
    )
