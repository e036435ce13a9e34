"""Shared API plumbing: the error envelope and pagination."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turns DRF's nested error detail into {"customer.email": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for k, v in flatten_errors(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(i) for i in detail)
        else:
            for index, item in enumerate(detail):
                path = f"{prefix}[{index}]" if prefix else f"[{index}]"
                for k, v in flatten_errors(item, path).items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def summarize(errors: dict[str, list[str]]) -> str:
    parts = []
    for field, messages in errors.items():
        label = field if field != "non_field_errors" else ""
        parts.append(f"{label}: {' '.join(messages)}" if label else " ".join(messages))
    return "; ".join(parts)


def error_body(errors: dict[str, list[str]], code: str = "invalid") -> dict:
    return {"detail": summarize(errors), "code": code, "errors": errors}


def exception_handler(exc, context):
    """Every 4xx is JSON: {"detail": summary, "code": ..., "errors": {field: [messages]}}."""
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": str(exc), "code": "request_too_large", "errors": {}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(flatten_errors(exc.detail), "invalid")
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict) and "detail" in detail:
            body = dict(detail)
            body.setdefault("code", getattr(exc, "default_code", "error"))
            body.setdefault("errors", {})
            body["detail"] = str(body["detail"])
            response.data = body
        elif isinstance(detail, dict | list):
            response.data = error_body(flatten_errors(detail), exc.default_code)
        else:
            code = getattr(detail, "code", None) or exc.default_code
            response.data = {"detail": str(detail), "code": code, "errors": {}}
    return response


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class ErrorBodySerializer(serializers.Serializer):
    """The shape of every 4xx body (and of a 5xx under /api/), for the schema."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def error_response(description: str = "") -> OpenApiResponse:
    return OpenApiResponse(
        ErrorBodySerializer,
        description=description or '{"detail": "...", "code": "...", "errors": {"field": ["..."]}}',
    )
