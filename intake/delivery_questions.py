"""The questions a kept delivery carries, so an administrator can pick the score (and
comment) question for the source's mapping after the first delivery arrives."""

from __future__ import annotations

import json


def delivery_questions(*, platform: str, body: bytes) -> list[dict]:
    """[{"reference", "type", "title", "value"}] as the source's mapping would name them."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(payload, dict):
        return []
    if platform == "typeform":
        response = payload.get("form_response") or {}
        titles = {
            f.get("id"): f.get("title")
            for f in (response.get("definition") or {}).get("fields") or []
            if isinstance(f, dict)
        }
        found = []
        for answer in response.get("answers") or []:
            field = answer.get("field") if isinstance(answer, dict) else None
            if not isinstance(field, dict):
                continue
            found.append(
                {
                    "reference": f"answer.{field.get('ref') or field.get('id')}",
                    "type": field.get("type"),
                    "title": titles.get(field.get("id"), ""),
                    "value": answer.get(answer.get("type")),
                }
            )
        return found
    if platform == "formbricks":
        answers = (payload.get("data") or {}).get("data") or {}
        return (
            [
                {"reference": key, "type": type(value).__name__, "title": "", "value": value}
                for key, value in answers.items()
            ]
            if isinstance(answers, dict)
            else []
        )
    if platform == "survicate":
        event = (payload.get("event") or {}).get("questionAnswered") or {}
        question = event.get("question") or {}
        if isinstance(question, dict) and question:
            return [
                {
                    "reference": question.get("id"),
                    "type": event.get("type"),
                    "title": question.get("body"),
                    "value": event.get("choice"),
                }
            ]
    return []
