"""POST /hooks/<platform>/<source slug>/ — thin: limits and HTTP status around the service."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from feedback_desk.api import error_body
from feedback_desk.middleware import too_large_response
from feedback_desk.throttling import auth_failure_guard, auth_failure_record, key_allowed
from intake.platforms import platform_get
from intake.platforms.base import PayloadInvalid, SignatureRejected
from intake.selectors import webhook_source_get
from intake.webhooks import DeliveryConflict, webhook_deliver, webhook_max_body_bytes

log = logging.getLogger(__name__)


def _read_body(request: HttpRequest, limit: int) -> bytes | JsonResponse:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return too_large_response(declared, limit)
    body = request.read(limit + 1)  # never more than the limit in memory
    if len(body) > limit:
        return too_large_response(None, limit)
    return body


def _unavailable() -> JsonResponse:
    """Not the sender's fault: 503 tells the platform to retry; nothing was kept."""
    return JsonResponse(
        {
            "detail": _("The answer could not be stored right now; retry later."),
            "code": "unavailable",
            "errors": {},
        },
        status=503,
    )


def _rate_limited(request: HttpRequest, source) -> JsonResponse | None:
    """429 with Retry-After: per webhook source, and for an address sending bad signatures."""
    from rest_framework.exceptions import Throttled

    try:
        auth_failure_guard(request)
    except Throttled as exc:
        wait = int(exc.wait or 1)
    else:
        allowed, wait = key_allowed("ingest", f"webhook:{source.pk}")
        if allowed:
            return None
    response = JsonResponse(
        {
            "detail": _("Too many requests; retry in %(seconds)d s.") % {"seconds": wait},
            "code": "throttled",
            "errors": {},
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


@csrf_exempt
def webhook_receive(
    request: HttpRequest, platform: str, slug: str, token: str = ""
) -> JsonResponse:
    if request.method == "HEAD":
        # SurveyMonkey checks the subscription URL with a HEAD request before using it.
        return JsonResponse({}, status=200)
    if request.method != "POST":
        response = JsonResponse(
            {
                "detail": _("Method %(method)s is not allowed; webhooks are POSTed.")
                % {"method": request.method},
                "code": "method_not_allowed",
                "errors": {},
            },
            status=405,
        )
        response["Allow"] = "POST"
        return response
    module = platform_get(platform)
    if module is None:
        return JsonResponse(
            error_body(
                {"platform": [_("Unknown platform '%(name)s'.") % {"name": platform}]}, "not_found"
            ),
            status=404,
        )
    try:
        source = webhook_source_get(platform=platform, slug=slug)
    except DatabaseError:
        log.exception("webhook %s/%s: database unavailable", platform, slug)
        return _unavailable()
    if source is None:
        return JsonResponse(
            error_body(
                {
                    "source": [
                        _("No active %(platform)s webhook source '%(slug)s'.")
                        % {"platform": platform, "slug": slug}
                    ]
                },
                "not_found",
            ),
            status=404,
        )
    limited = _rate_limited(request, source)
    if limited is not None:
        return limited
    body = _read_body(request, webhook_max_body_bytes())
    if isinstance(body, JsonResponse):
        return body
    try:
        result = webhook_deliver(
            platform=module, source=source, body=body, headers=request.headers, path_token=token
        )
    except SignatureRejected as exc:
        auth_failure_record(request)
        return JsonResponse(
            error_body({exc.header: [exc.message]}, "signature_invalid"), status=401
        )
    except PayloadInvalid as exc:
        return JsonResponse(error_body(exc.errors, "invalid"), status=400)
    except DeliveryConflict as exc:
        body = error_body(exc.errors, "duplicate_conflict")
        body["existing_id"] = exc.existing_id
        return JsonResponse(body, status=409)
    except DatabaseError:
        # Not the sender's fault: 503 tells the platform to retry; nothing was kept.
        log.exception("webhook %s/%s could not be stored", platform, slug)
        return _unavailable()
    if result.dead_letter is not None:
        # Signed correctly but not mappable: acknowledged so the platform neither retries
        # nor disables the webhook; kept for an administrator to fix and re-process.
        return JsonResponse(
            {
                "accepted": True,
                "dead_letter": result.dead_letter,
                "detail": _("Kept for review: the delivery could not be mapped to an answer."),
                "errors": result.dead_reason,
            },
            status=202,
        )
    if result.fetch is not None:
        return JsonResponse(
            {
                "accepted": True,
                "fetch": result.fetch,
                "detail": _("The answer will be fetched from the platform."),
            },
            status=202,
        )
    if result.ignored:
        return JsonResponse({"ignored": True, "detail": result.ignored}, status=200)
    status = 201 if result.created else 200  # an update of a known answer is a 200
    if result.batch:
        return JsonResponse(
            {
                "results": result.results,
                "created": result.created,
                "duplicates": result.duplicates,
            },
            status=status,
        )
    single = {k: v for k, v in result.results[0].items() if k != "index"}
    return JsonResponse(single, status=status)
