"""The questions a kept delivery carries, so an administrator can pick the score (and
comment) question for the source's mapping after the first delivery arrives.

Kept deliveries are often malformed (that is why they were kept): every level is checked
for its type, and what does not fit is left out rather than breaking the page."""

from __future__ import annotations

import json


def _obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _key(value) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def delivery_questions(*, platform: str, body: bytes) -> list[dict]:
    """[{"reference", "type", "title", "value"}] as the source's mapping would name them."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return []
    if not isinstance(payload, dict):
        return []
    if platform == "typeform":
        return _typeform(_obj(payload.get("form_response")))
    if platform == "formbricks":
        answers = _obj(_obj(payload.get("data")).get("data"))
        return [
            {"reference": key, "type": type(value).__name__, "title": "", "value": value}
            for key, value in answers.items()
        ]
    if platform == "survicate":
        event = _obj(_obj(payload.get("event")).get("questionAnswered"))
        question = _obj(event.get("question"))
        if _key(question.get("id")):
            choice = _obj(event.get("choice"))
            return [
                {
                    "reference": question["id"],
                    "type": choice.get("body"),
                    "title": question.get("body"),
                    "value": choice or event.get("choice"),
                }
            ]
    return []


def _typeform(response: dict) -> list[dict]:
    titles = {
        f.get("id"): f.get("title")
        for f in _list(_obj(response.get("definition")).get("fields"))
        if isinstance(f, dict) and _key(f.get("id"))
    }
    found = []
    for answer in _list(response.get("answers")):
        field = _obj(answer.get("field")) if isinstance(answer, dict) else {}
        reference = field.get("ref") or field.get("id")
        if not _key(reference):
            continue
        kind = answer.get("type")
        found.append(
            {
                "reference": f"answer.{reference}",
                "type": field.get("type"),
                "title": titles.get(field.get("id"), "") if _key(field.get("id")) else "",
                "value": answer.get(kind) if _key(kind) else None,
            }
        )
    return found
