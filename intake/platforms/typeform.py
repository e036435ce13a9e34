"""Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`.

The scheme has no timestamp; replays are made harmless by idempotency on the
response token (form_response.token becomes the answer's external_id).

Mapping keys (all optional; values are references into form_response):
    score      "answer.<field ref or id>"   default: the first answer to a field of type nps
    comment    "answer.<field ref>"   default: the first long_text answer
    customer_external_id  default "hidden.customer_id", else "hidden.user_id"
    customer_email        default "hidden.email", else the first email answer
    customer_name / _phone / _segment / _locale / _time_zone   default "hidden.<name>"
References: "answer.<field ref or id>", "hidden.<key>", "variable.<key>".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, Ignored, MappedItem, PayloadInvalid

NAME = "typeform"
SIGNATURE_HEADER = "Typeform-Signature"
PREFIX = signing.SHA256_PREFIX
# Only an NPS question is taken as the score by default: an opinion_scale or rating question
# may be on any scale (the docs example's is 1–5), so it counts only when the source names it.
SCORE_TYPES = ("nps",)
CUSTOMER_ATTRIBUTES = ("name", "phone", "segment", "locale", "time_zone")
MISSING = object()
MAPPING_KEYS = (
    "score",
    "comment",
    "customer_external_id",
    "customer_email",
    *(f"customer_{name}" for name in CUSTOMER_ATTRIBUTES),
)


def sign(secret: str, body: bytes) -> str:
    return PREFIX + signing.base64_signature(secret, body)


def verify(*, body: bytes, headers, context: Context) -> None:
    sent = signing.require_sha256_header(
        headers, SIGNATURE_HEADER, context.secret, base64_digest=True
    )
    signing.check_equal(SIGNATURE_HEADER, sent, sign(context.secret, body))


def _object(value, path: str, *, required: bool = False) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise PayloadInvalid({path: [_("Must be a JSON object.")]})
    return value


def _answer_value(answer: dict):
    kind = answer.get("type")
    value = answer.get(kind, MISSING) if isinstance(kind, str) else MISSING
    if kind == "choice" and isinstance(value, dict):
        return value.get("label", MISSING)
    return value


class _Form:
    """Finds values in one form_response by the mapping's references."""

    def __init__(self, response: dict):
        self.hidden = _object(response.get("hidden"), "form_response.hidden")
        answers = response.get("answers") or []
        if not isinstance(answers, list):
            raise PayloadInvalid({"form_response.answers": [_("Must be a JSON array.")]})
        self.answers = []
        for index, answer in enumerate(answers):
            answer = _object(answer, f"form_response.answers[{index}]", required=True)
            _object(answer.get("field"), f"form_response.answers[{index}].field", required=True)
            self.answers.append(answer)
        variables = response.get("variables") or []
        self.variables = (
            [v for v in variables if isinstance(v, dict)] if isinstance(variables, list) else []
        )

    def answer(self, ref: str) -> dict | None:
        for answer in self.answers:
            field = answer["field"]
            if ref in (field.get("ref"), field.get("id")):
                return answer
        return None

    def first_of(self, types) -> dict | None:
        for answer in self.answers:
            if answer["field"].get("type") in types:
                return answer
        return None

    @staticmethod
    def answer_path(answer: dict) -> str:
        field = answer["field"]
        key = f"ref={field['ref']}" if field.get("ref") else f"id={field.get('id')}"
        return f"form_response.answers[field.{key}].{answer.get('type')}"

    def resolve(self, reference: str):
        """Returns (value or MISSING, payload path)."""
        kind, _sep, key = reference.partition(".")
        if kind == "hidden":
            return self.hidden.get(key, MISSING), f"form_response.hidden.{key}"
        if kind == "answer":
            answer = self.answer(key)
            if answer is None:
                return MISSING, f"form_response.answers[field.ref={key}]"
            return _answer_value(answer), self.answer_path(answer)
        if kind == "variable":
            for variable in self.variables:
                if variable.get("key") == key:
                    return variable.get(variable.get("type"), MISSING), (
                        f"form_response.variables[key={key}]"
                    )
            return MISSING, f"form_response.variables[key={key}]"
        raise PayloadInvalid(
            {
                "mapping": [
                    _(
                        "Unknown reference '%(ref)s'; use answer.<ref>, hidden.<key> or "
                        "variable.<key>."
                    )
                    % {"ref": reference}
                ]
            }
        )


def to_items(*, payload, context: Context) -> list[MappedItem] | Ignored:
    if not isinstance(payload, dict):
        raise PayloadInvalid({"non_field_errors": [_("Must be a JSON object.")]})
    event_type = payload.get("event_type")
    if event_type != "form_response":
        return Ignored(_("Event type %(type)r carries no answer.") % {"type": event_type})
    response = _object(payload.get("form_response"), "form_response", required=True)
    form = _Form(response)
    mapping = context.mapping
    item: dict = {"customer": {}}
    paths = {
        "external_id": "form_response.token",
        "responded_at": "form_response.submitted_at",
    }
    item["external_id"] = response.get("token")
    if "submitted_at" in response:
        item["responded_at"] = response["submitted_at"]

    if mapping.get("score"):
        score, paths["score"] = form.resolve(mapping["score"])
    else:
        answer = form.first_of(SCORE_TYPES)
        score, paths["score"] = (
            (_answer_value(answer), form.answer_path(answer))
            if answer
            else (MISSING, "form_response.answers")
        )
    if score is MISSING:
        raise PayloadInvalid(
            {
                paths["score"]: [
                    _("No score answer found (mapping 'score': %(ref)s).")
                    % {"ref": mapping.get("score") or "first answer of type nps"}
                ]
            }
        )
    item["score"] = score

    if mapping.get("comment"):
        comment, paths["comment"] = form.resolve(mapping["comment"])
    else:
        answer = form.first_of(("long_text",))
        comment, paths["comment"] = (
            (_answer_value(answer), form.answer_path(answer)) if answer else (MISSING, "")
        )
    if comment is not MISSING:
        item["comment"] = comment

    customer_refs = {
        "external_id": mapping.get("customer_external_id", "hidden.customer_id"),
        "email": mapping.get("customer_email", "hidden.email"),
        **{name: mapping.get(f"customer_{name}", f"hidden.{name}") for name in CUSTOMER_ATTRIBUTES},
    }
    for name, reference in customer_refs.items():
        value, path = form.resolve(reference)
        if value is MISSING and name == "external_id" and "customer_external_id" not in mapping:
            value, path = form.resolve("hidden.user_id")  # as in Typeform's documented example
        if value is MISSING and name == "email" and "customer_email" not in mapping:
            answer = form.first_of(("email",))
            if answer:
                value, path = _answer_value(answer), form.answer_path(answer)
        if value is not MISSING and value not in (None, ""):
            item["customer"][name] = value
            paths[f"customer.{name}"] = path
    if not item["customer"].get("external_id") and not item["customer"].get("email"):
        paths["customer"] = "form_response.hidden"

    definition = response.get("definition") if isinstance(response.get("definition"), dict) else {}
    item["metadata"] = {
        "platform": NAME,
        "form_id": response.get("form_id"),
        "form_title": definition.get("title"),
        "event_id": payload.get("event_id"),
        "landed_at": response.get("landed_at"),
        "hidden": form.hidden,
    }
    return [MappedItem(item=item, paths=paths)]
