"""Delighted: `X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256(private API key, raw body)>`.

Handles survey_response.created and .updated (one response id across both: the answer is
upserted, the later comment fills it in). Only NPS surveys (`survey_type` "nps", or absent in
the legacy shape) carry a 0–10 score; other survey types are refused into the dead-letter box.
The signing key is the project's private API key, stored as the source's secret.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, Ignored, MappedItem, PayloadInvalid
from intake.platforms.common import (
    MISSING,
    cast_score,
    customer_of,
    dig,
    require_object,
    unix_to_iso,
    version_of,
)

NAME = "delighted"
SIGNATURE_HEADER = "X-Delighted-Webhook-Signature"
PREFIX = signing.SHA256_PREFIX
EVENTS = ("survey_response.created", "survey_response.updated")
MAPPING_KEYS = ("customer_external_id", "customer_segment")


def sign(secret: str, body: bytes) -> str:
    return PREFIX + signing.hex_signature(secret, body)


def verify(*, body: bytes, headers, context: Context) -> None:
    sent = signing.require_sha256_header(headers, SIGNATURE_HEADER, context.secret)
    signing.check_equal(SIGNATURE_HEADER, sent.lower(), sign(context.secret, body))


def to_items(*, payload, context: Context) -> list[MappedItem] | Ignored:
    payload = require_object(payload, "non_field_errors")
    event = payload.get("event_type")
    if event not in EVENTS:
        return Ignored(_("Event type %(type)r carries no answer.") % {"type": event})
    data = require_object(payload.get("event_data"), "event_data")
    survey_type = data.get("survey_type", "nps")
    if survey_type != "nps":
        raise PayloadInvalid(
            {
                "event_data.survey_type": [
                    _("Only NPS surveys are taken; got %(t)r.") % {"t": survey_type}
                ]
            }
        )
    if data.get("id") in (None, ""):
        raise PayloadInvalid({"event_data.id": [_("This field is required.")]})
    paths = {
        "external_id": "event_data.id",
        "score": "event_data.score",
        "comment": "event_data.comment",
        "responded_at": "event_data.created_at",
        "customer": "event_data.person",
    }
    if "score" not in data:
        raise PayloadInvalid({paths["score"]: [_("This field is required.")]})
    item: dict = {
        "external_id": str(data["id"]),
        "score": cast_score(data["score"], paths["score"]),
    }
    if isinstance(data.get("comment"), str) and data["comment"].strip():
        item["comment"] = data["comment"]
    if data.get("created_at") not in (None, ""):
        item["responded_at"] = unix_to_iso(data["created_at"], paths["responded_at"])
    mapping = context.mapping
    person_path = mapping.get("customer_external_id", "person.id")
    customer_of(
        {
            "external_id": (dig(data, person_path), f"event_data.{person_path}"),
            "email": (dig(data, "person.email"), "event_data.person.email"),
            "name": (dig(data, "person.name"), "event_data.person.name"),
            "segment": (
                dig(data, mapping["customer_segment"])
                if mapping.get("customer_segment")
                else MISSING,
                f"event_data.{mapping.get('customer_segment')}",
            ),
        },
        item,
        paths,
    )
    item["metadata"] = {
        "platform": NAME,
        "event_id": payload.get("event_id"),
        "event_type": event,
        "permalink": data.get("permalink"),
        "version": version_of(data.get("updated_at")),
    }
    return [MappedItem(item=item, paths=paths)]
