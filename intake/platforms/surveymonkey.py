"""SurveyMonkey `response_completed` / `response_updated` webhooks.

Signature: `Sm-Signature: base64(HMAC-SHA1(key="<api key>&<api secret>", raw body))`; the
source's secret is that joined string. The callback carries ids only: the answer is fetched
from GET <api_base>/v3/surveys/<survey_id>/responses/<object_id>/details with the source's
OAuth access token (intake.fetching). The NPS answer comes back as a choice id; its
0–10 value is read from the survey's details (GET /v3/surveys/<id>/details, the choice's text,
else, on an eleven-choice scale, its position − 1).

Mapping keys: score_question (question id, required), comment_question (question id),
customer_external_id (custom variable name; default: the respondent's recipient id, else the
response id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, FetchLater, Ignored, MappedItem, PayloadInvalid
from intake.platforms.common import require_api, require_object

NAME = "surveymonkey"
SIGNATURE_HEADER = "Sm-Signature"
EVENTS = ("response_completed", "response_updated")
MAPPING_KEYS = ("score_question", "comment_question", "customer_external_id")


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()


def verify(*, body: bytes, headers, context: Context) -> None:
    signing.require_secret(SIGNATURE_HEADER, context.secret)
    sent = signing.require_header(headers, SIGNATURE_HEADER)
    signing.check_equal(SIGNATURE_HEADER, sent, sign(context.secret, body))


def to_items(*, payload, context: Context) -> FetchLater | Ignored:
    payload = require_object(payload, "non_field_errors")
    event = payload.get("event_type")
    if event not in EVENTS or payload.get("object_type", "response") != "response":
        return Ignored(_("Event type %(type)r carries no answer.") % {"type": event})
    resources = require_object(payload.get("resources"), "resources")
    if not payload.get("object_id"):
        raise PayloadInvalid({"object_id": [_("This field is required.")]})
    if not resources.get("survey_id"):
        raise PayloadInvalid({"resources.survey_id": [_("This field is required.")]})
    return FetchLater(
        response_id=str(payload["object_id"]),
        request={
            "survey_id": str(resources["survey_id"]),
            "response_id": str(payload["object_id"]),
            "event_id": payload.get("event_id"),
            "event_datetime": payload.get("event_datetime"),
        },
    )


def _answers(response: dict) -> dict[str, list]:
    found: dict[str, list] = {}
    for page in response.get("pages") or []:
        for question in (page or {}).get("questions") or []:
            if isinstance(question, dict):
                found[str(question.get("id"))] = question.get("answers") or []
    return found


def _choice_score(survey: dict, question_id: str, choice_id: str) -> int | None:
    for page in survey.get("pages") or []:
        for question in (page or {}).get("questions") or []:
            if str((question or {}).get("id")) != question_id:
                continue
            answers = question.get("answers") or {}
            choices = [c for c in answers.get("choices") or [] if isinstance(c, dict)]
            for choice in choices:
                if str(choice.get("id")) != choice_id:
                    continue
                text = str(choice.get("text", "")).strip()
                if text.isdigit():
                    return int(text)
                # Only an eleven-choice scale is 0–10 by position; a 1–5 rating is not NPS.
                if len(choices) == 11 and isinstance(choice.get("position"), int):
                    return choice["position"] - 1
    return None


def fetch_items(*, request: dict, context: Context, get_json) -> list[MappedItem]:
    base, token = require_api(context, NAME)
    auth = {"Authorization": f"Bearer {token}"}
    survey_id = quote(request["survey_id"], safe="")
    response = get_json(
        f"{base}/v3/surveys/{survey_id}/responses/{quote(request['response_id'], safe='')}/details",
        auth,
    )
    mapping = context.mapping
    question = str(mapping.get("score_question") or "")
    if not question:
        raise PayloadInvalid(
            {"mapping.score_question": [_("Name the NPS question's id in the mapping.")]}
        )
    answers = _answers(response)
    path = f"pages[].questions[id={question}].answers[0].choice_id"
    chosen = next(
        (a.get("choice_id") for a in answers.get(question, []) if a.get("choice_id")), None
    )
    if chosen is None:
        raise PayloadInvalid({path: [_("The response has no answer to it.")]})
    survey = get_json(f"{base}/v3/surveys/{survey_id}/details", auth)
    score = _choice_score(survey, question, str(chosen))
    if score is None:
        raise PayloadInvalid(
            {path: [_("Choice %(id)s is not on the survey's 0–10 scale.") % {"id": chosen}]}
        )
    item: dict = {"external_id": request["response_id"], "score": score, "customer": {}}
    paths = {"score": path, "external_id": "id"}
    comment_question = str(mapping.get("comment_question") or "")
    texts = [a.get("text") for a in answers.get(comment_question, []) if a.get("text")]
    if comment_question and texts:
        item["comment"] = texts[0]
        paths["comment"] = f"pages[].questions[id={comment_question}].answers[0].text"
    if response.get("date_modified") or response.get("date_created"):
        item["responded_at"] = response.get("date_created") or response.get("date_modified")
        paths["responded_at"] = "date_created"
    variables = (
        response.get("custom_variables")
        if isinstance(response.get("custom_variables"), dict)
        else {}
    )
    variable = mapping.get("customer_external_id")
    if variable and variables.get(variable):
        item["customer"]["external_id"] = str(variables[variable])
        paths["customer.external_id"] = f"custom_variables.{variable}"
    elif str(response.get("recipient_id") or "0") != "0":
        item["customer"]["external_id"] = f"surveymonkey:recipient:{response['recipient_id']}"
    else:
        item["customer"]["external_id"] = f"surveymonkey:{request['response_id']}"
    item["metadata"] = {
        "platform": NAME,
        "survey_id": request["survey_id"],
        "collector_id": response.get("collector_id"),
        "custom_variables": variables,
        "custom_value": response.get("custom_value"),
    }
    return [MappedItem(item=item, paths=paths)]
