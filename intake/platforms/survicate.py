"""Survicate: `Hmac: <lowercase hex HMAC-SHA256 of the raw body>` with the workspace's
signing secret (developers.survicate.com/webhooks/security).

Handles the "Question answered" event: one delivery per answered question. The NPS
question's delivery becomes one answer: choice.id is the score (for NPS questions Survicate
sends the value as the choice id) and choice.comment the reason. Deliveries for other
questions are acknowledged and ignored. No timestamp is signed; replays are made
harmless by idempotency on responseUuid (required: messageId names one delivery, not the
answer).

Mapping keys (optional):
    score_question        Survicate question id of the NPS question; default: any answer
                          whose choice body is promoter, passive or detractor
    customer_external_id  "respondent.id" (default), "respondent.uuid" or "attribute.<name>"
    customer_email        "attribute.email" (default), "field.email" or "attribute.<name>"
    customer_name / _phone / _segment / _locale / _time_zone   "attribute.<name>"
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, Ignored, MappedItem, PayloadInvalid

NAME = "survicate"
SIGNATURE_HEADER = "Hmac"
EVENT = "questionAnswered"
NPS_CHOICES = ("promoter", "passive", "detractor")
CUSTOMER_ATTRIBUTES = ("name", "phone", "segment", "locale", "time_zone")
ROOT = f"event.{EVENT}"
MAPPING_KEYS = (
    "score_question",
    "customer_external_id",
    "customer_email",
    *(f"customer_{name}" for name in CUSTOMER_ATTRIBUTES),
)


def sign(secret: str, body: bytes) -> str:
    return signing.hex_signature(secret, body)


def verify(*, body: bytes, headers, context: Context) -> None:
    signing.require_secret(SIGNATURE_HEADER, context.secret)
    sent = signing.require_header(headers, SIGNATURE_HEADER)
    signing.check_equal(SIGNATURE_HEADER, sent.lower(), sign(context.secret, body))


def _object(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadInvalid({path: [_("Must be a JSON object.")]})
    return value


def _attributes(respondent: dict) -> dict:
    """Custom attributes arrive as an object, or as an empty array when there are none."""
    raw = respondent.get("attributes")
    if isinstance(raw, dict):
        return raw
    out = {}
    if isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, dict):
                key = entry.get("name", entry.get("key"))
                if isinstance(key, str):
                    out[key] = entry.get("value")
    return out


def _resolve(reference: str, *, respondent: dict, attributes: dict, fields: dict):
    kind, _sep, key = reference.partition(".")
    if kind == "respondent":
        return respondent.get(key), f"{ROOT}.respondent.{key}"
    if kind == "attribute":
        return attributes.get(key), f"{ROOT}.respondent.attributes.{key}"
    if kind == "field":
        return fields.get(key), f"{ROOT}.fields.{key}"
    raise PayloadInvalid(
        {
            "mapping": [
                _(
                    "Unknown reference '%(ref)s'; use respondent.<key>, attribute.<name> or "
                    "field.<name>."
                )
                % {"ref": reference}
            ]
        }
    )


def _is_score_question(event: dict, question: dict, mapping: dict) -> bool:
    """The named question; without one, an NPS choice, whose body Survicate sends as its
    category (the delivery names no question type)."""
    wanted = mapping.get("score_question")
    if wanted not in (None, ""):
        return str(question.get("id")) == str(wanted)
    choice = event.get("choice")
    body = choice.get("body") if isinstance(choice, dict) else None
    return isinstance(body, str) and body.strip().lower() in NPS_CHOICES


def to_items(*, payload, context: Context) -> list[MappedItem] | Ignored:
    if not isinstance(payload, dict):
        raise PayloadInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    envelope = _object(payload.get("event"), "event")
    if EVENT not in envelope:
        return Ignored(
            _("Only %(event)s events carry a single answer; got %(got)s.")
            % {"event": EVENT, "got": ", ".join(sorted(map(str, envelope))) or "nothing"}
        )
    event = _object(envelope[EVENT], ROOT)
    question = _object(event.get("question"), f"{ROOT}.question")
    if not _is_score_question(event, question, context.mapping):
        return Ignored(
            _("Question %(id)s is not the score question of this source.")
            % {"id": question.get("id")}
        )
    survey = event.get("survey") if isinstance(event.get("survey"), dict) else {}
    respondent = event.get("respondent") if isinstance(event.get("respondent"), dict) else {}
    fields = event.get("fields") if isinstance(event.get("fields"), dict) else {}
    attributes = _attributes(respondent)
    choice = _object(event.get("choice"), f"{ROOT}.choice")

    external_id = event.get("responseUuid")
    paths = {
        "external_id": f"{ROOT}.responseUuid",
        "responded_at": f"{ROOT}.timestamp",
        "score": f"{ROOT}.choice.id",
        "comment": f"{ROOT}.choice.comment",
        "customer": f"{ROOT}.respondent",
    }
    if "id" not in choice:
        raise PayloadInvalid({paths["score"]: [_("This field is required.")]})
    item: dict = {"external_id": external_id, "score": choice["id"], "customer": {}}
    if choice.get("comment") is not None:
        item["comment"] = choice["comment"]
    if "timestamp" in event:
        item["responded_at"] = event["timestamp"]

    mapping = context.mapping
    references = {
        "external_id": mapping.get("customer_external_id", "respondent.id"),
        "email": mapping.get("customer_email", "attribute.email"),
        **{
            name: mapping.get(f"customer_{name}", f"attribute.{name}")
            for name in CUSTOMER_ATTRIBUTES
        },
    }
    for name, reference in references.items():
        value, path = _resolve(
            reference, respondent=respondent, attributes=attributes, fields=fields
        )
        if value in (None, "") and name == "email" and "customer_email" not in mapping:
            value, path = fields.get("email"), f"{ROOT}.fields.email"
        if value not in (None, ""):
            item["customer"][name] = value
            paths[f"customer.{name}"] = path

    item["metadata"] = {
        "platform": NAME,
        "survey_id": survey.get("id"),
        "survey_name": survey.get("name"),
        "question_id": question.get("id"),
        "question": question.get("body"),
        "url": event.get("url"),
        "message_id": payload.get("messageId"),
    }
    return [MappedItem(item=item, paths=paths)]
