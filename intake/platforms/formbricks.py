"""Formbricks: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
checked with the `standardwebhooks` library (signed "id.timestamp.body", ±5 minutes).

responseCreated → responseUpdated → responseFinished share one response id (data.id): the
answer is upserted. Answers sit in data.data keyed by question id, so the source must name its
NPS question (mapping `score_question`); `comment_question` names the open-text one.
A delivery before the NPS question was answered is acknowledged and ignored.
The source's secret is the `whsec_…` secret Formbricks shows for the webhook.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from intake.platforms import signing
from intake.platforms.base import Context, Ignored, MappedItem, PayloadInvalid, SignatureRejected
from intake.platforms.common import cast_score, customer_of, dig, require_object, version_of

NAME = "formbricks"
SIGNATURE_HEADER = "webhook-signature"
EVENTS = ("responseCreated", "responseUpdated", "responseFinished")
MAPPING_KEYS = ("score_question", "comment_question", "customer_external_id", "customer_email")


def verify(*, body: bytes, headers, context: Context) -> None:
    signing.require_secret(SIGNATURE_HEADER, context.secret)
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    sent = {name: headers.get(name, "") for name in wanted}
    for name in wanted:
        if not sent[name].strip():
            raise SignatureRejected(name, _("The %(header)s header is missing.") % {"header": name})
    try:
        hook = Webhook(context.secret)
    except Exception as exc:  # the stored secret is not Formbricks' whsec_ base64 secret
        raise SignatureRejected(
            SIGNATURE_HEADER,
            _("This source's secret is not a Standard Webhooks secret (whsec_…)."),
        ) from exc
    try:
        hook.verify(body, sent, json_parse=False)
    except (WebhookVerificationError, ValueError, TypeError) as exc:
        raise SignatureRejected(
            SIGNATURE_HEADER,
            _(
                "The webhook signature does not match the body and the source's secret, or "
                "its timestamp is more than 5 minutes away from now."
            ),
        ) from exc


def to_items(*, payload, context: Context) -> list[MappedItem] | Ignored:
    payload = require_object(payload, "non_field_errors")
    event = payload.get("event")
    if event not in EVENTS:
        return Ignored(_("Event %(type)r carries no answer.") % {"type": event})
    data = require_object(payload.get("data"), "data")
    answers = require_object(data.get("data") or {}, "data.data")
    question = context.mapping.get("score_question")
    if not question:
        raise PayloadInvalid(
            {"mapping.score_question": [_("Name the NPS question's id in the source's mapping.")]}
        )
    if question not in answers:
        if data.get("finished"):
            raise PayloadInvalid(
                {f"data.data.{question}": [_("The finished response has no answer to it.")]}
            )
        return Ignored(_("The NPS question is not answered yet."))
    if data.get("id") in (None, ""):
        raise PayloadInvalid({"data.id": [_("This field is required.")]})
    paths = {
        "external_id": "data.id",
        "score": f"data.data.{question}",
        "responded_at": "data.createdAt",
        "customer": "data.contactAttributes",
    }
    item: dict = {
        "external_id": str(data["id"]),
        "score": cast_score(answers[question], paths["score"]),
    }
    comment_question = context.mapping.get("comment_question")
    if comment_question and isinstance(answers.get(comment_question), str):
        item["comment"] = answers[comment_question]
        paths["comment"] = f"data.data.{comment_question}"
    if data.get("createdAt"):
        item["responded_at"] = data["createdAt"]
    mapping = context.mapping
    id_path = mapping.get("customer_external_id", "contact.userId")
    email_path = mapping.get("customer_email", "contactAttributes.email")
    customer_of(
        {
            "external_id": (dig(data, id_path), f"data.{id_path}"),
            "email": (dig(data, email_path), f"data.{email_path}"),
        },
        item,
        paths,
    )
    if not item["customer"]:
        # Anonymous link surveys: the response itself is the only identity there is.
        item["customer"]["external_id"] = f"formbricks:{data['id']}"
    item["metadata"] = {
        "platform": NAME,
        "event": event,
        "survey_id": data.get("surveyId"),
        "finished": bool(data.get("finished")),
        "version": version_of(data.get("updatedAt")),
        "meta": data.get("meta") if isinstance(data.get("meta"), dict) else {},
    }
    return [MappedItem(item=item, paths=paths)]
