"""Wootric (InMoment) outgoing webhooks, `created` / `updated` response events (NPS-native).

No signature is documented: the source's token goes in the URL path or a static header
(intake.platforms.token_auth). The score may arrive as a string; it is cast.
Declines (no score) are acknowledged and ignored.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from django.utils.translation import gettext as _

from intake.platforms import token_auth
from intake.platforms.base import Context, Ignored, MappedItem, PayloadInvalid
from intake.platforms.common import cast_score, customer_of, dig, require_object, version_of

NAME = "wootric"
SIGNATURE_HEADER = token_auth.HEADER
MAPPING_KEYS = ("customer_segment",)
verify = token_auth.verify
BRACKETS = re.compile(r"\[([^\]]*)\]")


def parse(body: bytes):
    """JSON, or the URL-encoded variant (`response[score]=7&event_name=created`)."""
    text = body.decode("utf-8", "replace").lstrip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise PayloadInvalid({"non_field_errors": [_("The body is not valid JSON.")]}) from exc
    nested: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head, *BRACKETS.findall(key)]
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return nested


def to_items(*, payload, context: Context) -> list[MappedItem] | Ignored:
    payload = require_object(payload, "non_field_errors")
    response = payload.get("response")
    if response is None:
        return Ignored(_("Only response events carry an answer."))
    response = require_object(response, "response")
    mode = str(payload.get("survey_mode") or "NPS").upper()
    if mode != "NPS":
        raise PayloadInvalid(
            {"survey_mode": [_("Only NPS surveys are taken; got %(t)r.") % {"t": mode}]}
        )
    if response.get("score") in (None, ""):
        return Ignored(_("A declined survey carries no score."))
    if response.get("id") in (None, ""):
        raise PayloadInvalid({"response.id": [_("This field is required.")]})
    paths = {
        "external_id": "response.id",
        "score": "response.score",
        "comment": "response.text",
        "responded_at": "response.created_at",
        "customer": "response.email",
    }
    item: dict = {
        "external_id": str(response["id"]),
        "score": cast_score(response["score"], paths["score"]),
    }
    if isinstance(response.get("text"), str) and response["text"].strip():
        item["comment"] = response["text"]
    if response.get("created_at"):
        item["responded_at"] = response["created_at"]
    segment = context.mapping.get("customer_segment")
    customer_of(
        {
            "external_id": (response.get("external_id"), "response.external_id"),
            "email": (response.get("email"), "response.email"),
            "segment": (
                dig(response, f"end_user_properties.{segment}") if segment else None,
                f"response.end_user_properties.{segment}",
            ),
        },
        item,
        paths,
    )
    item["metadata"] = {
        "platform": NAME,
        "event_name": payload.get("event_name"),
        "survey_id": response.get("survey_id"),
        "end_user_id": response.get("end_user_id"),
        "end_user_properties": response.get("end_user_properties") or {},
        "version": version_of(response.get("updated_at")),
    }
    return [MappedItem(item=item, paths=paths)]
