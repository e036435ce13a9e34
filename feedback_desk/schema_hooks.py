"""Answers every operation can give, written into the schema once (drf-spectacular hook)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def document_shared_answers(result: dict, generator, request, public) -> dict:
    """414 comes from the HTTP server in front of the app (a request line over its limit);
    429 from the per-user read and per-source ingest throttles; 413 from the body size cap."""
    shared = {
        "414": {
            "description": str(_("Request line too long; answered by the HTTP server.")),
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        "429": {
            "description": str(_("Too many requests; retry after Retry-After seconds.")),
            "content": ERROR_BODY,
        },
    }
    too_large = {"description": str(_("Request body too large.")), "content": ERROR_BODY}
    if "ErrorBody" not in result.get("components", {}).get("schemas", {}):
        return result
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, answer in shared.items():
                operation["responses"].setdefault(code, answer)
            if method in ("post", "put", "patch"):
                operation["responses"].setdefault("413", too_large)
    return result
