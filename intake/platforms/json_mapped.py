"""Any JSON sender (Google Forms via Apps Script, Tally, in-house forms): the source's mapping
names a JSON path for each field, and how the sender authenticates.

Mapping keys:
    score, comment, response_id, responded_at,
    customer_external_id, customer_email, customer_name, customer_segment
        dotted JSON paths ("data.fields.3.value", "answer.score"); score is required, and
        response_id too (retries and updates are keyed by it). Strings such as "7" are cast;
        responded_at may be ISO-8601 or Unix seconds.
    auth                "hmac" (default), "bearer" or "basic"; the key / token / password is the
                        source's secret
    signature_header    hmac: the header carrying it (default X-Signature)
    signature_encoding  hmac: "hex" (default) or "base64"; HMAC-SHA256 of the raw body
    signature_prefix    hmac: text before the digest, e.g. "sha256="
    basic_user          basic: the user name (default "feedback")
"""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, MappedItem, PayloadInvalid, SignatureRejected
from intake.platforms.common import MISSING, cast_score, dig, unix_to_iso

NAME = "json"
SIGNATURE_HEADER = "X-Signature"
FIELDS = (
    "score",
    "comment",
    "response_id",
    "responded_at",
    "customer_external_id",
    "customer_email",
    "customer_name",
    "customer_segment",
)
MAPPING_KEYS = (
    *FIELDS,
    "auth",
    "signature_header",
    "signature_encoding",
    "signature_prefix",
    "basic_user",
)


def sign(secret: str, body: bytes, *, encoding: str = "hex", prefix: str = "") -> str:
    digest = (
        signing.base64_signature(secret, body)
        if encoding == "base64"
        else signing.hex_signature(secret, body)
    )
    return prefix + digest


def _bad(header: str) -> SignatureRejected:
    return SignatureRejected(header, _("The credentials do not match this source's secret."))


def verify(*, body: bytes, headers, context: Context) -> None:
    mapping = context.mapping
    auth = mapping.get("auth", "hmac")
    header = (
        "Authorization"
        if auth in ("bearer", "basic")
        else mapping.get("signature_header", SIGNATURE_HEADER)
    )
    signing.require_secret(header, context.secret)
    sent = signing.require_header(headers, header)
    if auth == "bearer":
        token = sent[7:].strip() if sent.lower().startswith("bearer ") else ""
        if not signing.constant_equal(token, context.secret):
            raise _bad(header)
    elif auth == "basic":
        try:
            decoded = base64.b64decode(sent[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        user, _sep, password = decoded.partition(":")
        expected_user = str(mapping.get("basic_user", "feedback"))
        ok_user = signing.constant_equal(user, expected_user)
        ok_password = signing.constant_equal(password, context.secret)
        if not (sent.lower().startswith("basic ") and ok_user and ok_password):
            raise _bad(header)
    elif auth == "hmac":
        encoding = mapping.get("signature_encoding", "hex")
        prefix = mapping.get("signature_prefix", "")
        expected = sign(context.secret, body, encoding=encoding, prefix=prefix)
        if encoding != "base64" and sent.startswith(prefix):
            sent = prefix + sent[len(prefix) :].lower()  # hex digits are case-free
        signing.check_equal(header, sent, expected)
    else:
        raise SignatureRejected(
            header, _("Unknown auth %(auth)r in the source's mapping.") % {"auth": auth}
        )


def to_items(*, payload, context: Context) -> list[MappedItem]:
    mapping = context.mapping
    for required in ("score", "response_id"):
        if not mapping.get(required):
            raise PayloadInvalid(
                {f"mapping.{required}": [_("Name the JSON path of this field in the mapping.")]}
            )
    found = {name: dig(payload, str(mapping[name])) for name in FIELDS if mapping.get(name)}
    paths = {
        "score": mapping["score"],
        "external_id": mapping["response_id"],
        "comment": mapping.get("comment", ""),
        "responded_at": mapping.get("responded_at", ""),
        "customer": mapping.get("customer_external_id") or mapping.get("customer_email", ""),
    }
    for name in ("score", "response_id"):
        if found[name] is MISSING or found[name] in (None, ""):
            raise PayloadInvalid({str(mapping[name]): [_("This field is required.")]})
    item: dict = {
        "external_id": str(found["response_id"]),
        "score": cast_score(found["score"], paths["score"]),
        "customer": {},
    }
    comment = found.get("comment", MISSING)
    if isinstance(comment, str) and comment.strip():
        item["comment"] = comment
    when = found.get("responded_at", MISSING)
    if when is not MISSING and when not in (None, ""):
        numeric = isinstance(when, int) or (isinstance(when, str) and when.strip().isdigit())
        item["responded_at"] = unix_to_iso(when, paths["responded_at"]) if numeric else when
    for name in ("external_id", "email", "name", "segment"):
        value = found.get(f"customer_{name}", MISSING)
        if value is not MISSING and value not in (None, ""):
            item["customer"][name] = str(value) if name == "external_id" else value
            paths[f"customer.{name}"] = str(mapping[f"customer_{name}"])
    item["metadata"] = {"platform": NAME}
    return [MappedItem(item=item, paths=paths)]
