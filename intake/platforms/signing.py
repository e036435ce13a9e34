"""HMAC helpers shared by platforms: constant-time comparison and timestamp windows."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from django.utils.translation import gettext as _

from intake.platforms.base import SignatureRejected

SHA256_PREFIX = "sha256="


def hmac_sha256(secret: str, data: bytes) -> bytes:
    return hmac.new(secret.encode(), data, hashlib.sha256).digest()


def hex_signature(secret: str, data: bytes) -> str:
    return hmac_sha256(secret, data).hex()


def base64_signature(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac_sha256(secret, data)).decode()


def require_secret(header: str, secret: str) -> None:
    if not secret:
        raise SignatureRejected(
            header, _("This source has no signing secret configured; nothing is accepted.")
        )


def require_header(headers, header: str) -> str:
    value = headers.get(header, "")
    if not value.strip():
        raise SignatureRejected(header, _("The %(header)s header is missing.") % {"header": header})
    return value.strip()


def require_sha256_header(headers, header: str, secret: str, *, base64_digest: bool = False) -> str:
    """The signature header of a source that has a secret, present and shaped
    `sha256=<digest>` (the digest in hex, or in base64): the value as sent."""
    require_secret(header, secret)
    sent = require_header(headers, header)
    if not sent.startswith(SHA256_PREFIX):
        shape = (
            _("The %(header)s header must look like sha256=<base64 digest>.")
            if base64_digest
            else _("The %(header)s header must look like sha256=<hex digest>.")
        )
        raise SignatureRejected(header, shape % {"header": header})
    return sent


def check_equal(header: str, sent: str, expected: str) -> None:
    """Constant-time: the comparison time does not reveal how much of the signature matched."""
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise SignatureRejected(
            header,
            _("The %(header)s signature does not match the body and the source's secret.")
            % {"header": header},
        )


def check_timestamp(header: str, raw: str, *, now: dt.datetime, tolerance_seconds: int) -> None:
    """Unix seconds within ±tolerance of now; outside it, the delivery is treated as a replay."""
    try:
        sent = int(raw.strip())
    except ValueError as exc:
        raise SignatureRejected(
            header, _("The %(header)s header must be Unix time in seconds.") % {"header": header}
        ) from exc
    skew = abs(now.timestamp() - sent)
    if skew > tolerance_seconds:
        raise SignatureRejected(
            header,
            _(
                "The %(header)s timestamp is %(skew)d seconds away from now; the limit is "
                "%(limit)d. Stale deliveries are refused as possible replays."
            )
            % {"header": header, "skew": skew, "limit": tolerance_seconds},
        )


def constant_equal(sent: str, expected: str) -> bool:
    return hmac.compare_digest(sent.encode(), expected.encode())
