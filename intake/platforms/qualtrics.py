"""Qualtrics event subscriptions (surveyengine.completedResponse.<SurveyID>).

Wire format: application/x-www-form-urlencoded with `Topic`, `MSG` (a JSON string) and
`HMAC` = hex HMAC-SHA512(sharedKey, MSG exactly as received). The notification carries ids
only: the answer is fetched from GET <api_base>/API/v3/surveys/<SurveyID>/responses/<ResponseID>
with `X-API-TOKEN` (intake.fetching), keyed by ResponseID.

Mapping keys: score_question (e.g. "QID1", required), comment_question (e.g. "QID2_TEXT"),
customer_external_id (default "externalDataReference"), customer_email (default "recipientEmail").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qs, quote

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, FetchLater, Ignored, MappedItem, PayloadInvalid
from intake.platforms.common import cast_score, customer_of, require_api, require_object

NAME = "qualtrics"
SIGNATURE_HEADER = "HMAC"
MAPPING_KEYS = ("score_question", "comment_question", "customer_external_id", "customer_email")


def _form(body: bytes) -> dict[str, str]:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return {}
    return {key: values[0] for key, values in fields.items() if values}


def sign(secret: str, msg: str) -> str:
    return hmac.new(secret.encode(), msg.encode(), hashlib.sha512).hexdigest()


def verify(*, body: bytes, headers, context: Context) -> None:
    signing.require_secret(SIGNATURE_HEADER, context.secret)
    form = _form(body)
    sent = form.get("HMAC", "").strip()
    if not sent:
        signing.require_header({}, SIGNATURE_HEADER)  # raises: the form field is missing
    signing.check_equal(SIGNATURE_HEADER, sent.lower(), sign(context.secret, form.get("MSG", "")))


def parse(body: bytes) -> dict:
    form = _form(body)
    try:
        message = json.loads(form.get("MSG", ""))
    except (ValueError, RecursionError) as exc:
        raise PayloadInvalid({"MSG": [_("Must be a JSON object.")]}) from exc
    return {"Topic": form.get("Topic", ""), "MSG": message}


def to_items(*, payload, context: Context) -> FetchLater | Ignored:
    message = require_object(payload.get("MSG"), "MSG")
    if ".completedResponse." not in payload.get("Topic", ""):
        return Ignored(_("Topic %(t)r carries no answer.") % {"t": payload.get("Topic")})
    for key in ("SurveyID", "ResponseID"):
        if not message.get(key):
            raise PayloadInvalid({f"MSG.{key}": [_("This field is required.")]})
    return FetchLater(
        response_id=str(message["ResponseID"]),
        request={
            "survey_id": str(message["SurveyID"]),
            "response_id": str(message["ResponseID"]),
            "completed_date": message.get("CompletedDate"),
            "topic": payload.get("Topic"),
        },
    )


def fetch_items(*, request: dict, context: Context, get_json) -> list[MappedItem]:
    base, token = require_api(context, NAME)
    url = (
        f"{base}/API/v3/surveys/{quote(request['survey_id'], safe='')}/responses/"
        f"{quote(request['response_id'], safe='')}"
    )
    document = get_json(url, {"X-API-TOKEN": token})
    result = require_object(document.get("result"), "result")
    values = require_object(result.get("values") or {}, "result.values")
    mapping = context.mapping
    question = mapping.get("score_question")
    if not question:
        raise PayloadInvalid(
            {"mapping.score_question": [_("Name the NPS question (e.g. QID1) in the mapping.")]}
        )
    paths = {"score": f"result.values.{question}", "external_id": "result.responseId"}
    if values.get(question) in (None, ""):
        raise PayloadInvalid({paths["score"]: [_("The response has no answer to it.")]})
    item: dict = {
        "external_id": request["response_id"],
        "score": cast_score(values[question], paths["score"]),
    }
    comment_question = mapping.get("comment_question")
    if comment_question and isinstance(values.get(comment_question), str):
        item["comment"] = values[comment_question]
        paths["comment"] = f"result.values.{comment_question}"
    if values.get("endDate"):
        item["responded_at"] = values["endDate"]
        paths["responded_at"] = "result.values.endDate"
    id_key = mapping.get("customer_external_id", "externalDataReference")
    email_key = mapping.get("customer_email", "recipientEmail")
    customer_of(
        {
            "external_id": (values.get(id_key), f"result.values.{id_key}"),
            "email": (values.get(email_key), f"result.values.{email_key}"),
            "name": (
                " ".join(
                    str(values[k])
                    for k in ("recipientFirstName", "recipientLastName")
                    if values.get(k)
                ),
                "result.values.recipientFirstName",
            ),
        },
        item,
        paths,
    )
    if not item["customer"]:
        item["customer"]["external_id"] = f"qualtrics:{request['response_id']}"
    item["metadata"] = {
        "platform": NAME,
        "survey_id": request["survey_id"],
        "topic": request.get("topic"),
    }
    return [MappedItem(item=item, paths=paths)]
