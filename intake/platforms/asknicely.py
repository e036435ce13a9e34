"""AskNicely response webhook (NPS-native). No signature: the source's token goes in the URL
path or a static header configured in AskNicely's Webhooks app (token_auth). The score and the
times arrive as strings and are cast. `count` grows with each update of the same answer
(question.id), which is upserted."""

from __future__ import annotations

from django.utils.translation import gettext as _

from intake.platforms import token_auth
from intake.platforms.base import Context, Ignored, MappedItem, PayloadInvalid
from intake.platforms.common import cast_score, customer_of, require_object, unix_to_iso, version_of

NAME = "asknicely"
SIGNATURE_HEADER = token_auth.HEADER
MAPPING_KEYS = ()
verify = token_auth.verify


def to_items(*, payload, context: Context) -> list[MappedItem] | Ignored:
    payload = require_object(payload, "non_field_errors")
    question = require_object(payload.get("question"), "question")
    person = payload.get("person") if isinstance(payload.get("person"), dict) else {}
    if question.get("score") in (None, ""):
        return Ignored(_("The delivery carries no score yet."))
    if question.get("id") in (None, ""):
        raise PayloadInvalid({"question.id": [_("This field is required.")]})
    paths = {
        "external_id": "question.id",
        "score": "question.score",
        "comment": "question.comment",
        "responded_at": "question.responded",
        "customer": "person",
    }
    item: dict = {
        "external_id": str(question["id"]),
        "score": cast_score(question["score"], paths["score"]),
    }
    if isinstance(question.get("comment"), str) and question["comment"].strip():
        item["comment"] = question["comment"]
    if question.get("responded") not in (None, ""):
        item["responded_at"] = unix_to_iso(question["responded"], paths["responded_at"])
    customer_of(
        {
            "external_id": (person.get("id"), "person.id"),
            "email": (person.get("email"), "person.email"),
            "name": (person.get("name"), "person.name"),
            "segment": (person.get("segment"), "person.segment"),
        },
        item,
        paths,
    )
    item["metadata"] = {
        "platform": NAME,
        "count": payload.get("count"),
        "version": version_of(payload.get("count")),
        "delivery_method": question.get("deliverymethod"),
        "survey_template": question.get("survey_template"),
    }
    return [MappedItem(item=item, paths=paths)]
