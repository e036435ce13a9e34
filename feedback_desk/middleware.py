from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _


def body_limit(path_info: str) -> int:
    """The most a request body to this address may hold."""
    if path_info.rstrip("/").endswith("/bulk"):
        return settings.MAX_BULK_BODY_BYTES
    limit = settings.MAX_REQUEST_BODY_BYTES
    if path_info.startswith("/hooks/"):
        # the webhook view enforces it again itself
        limit = min(limit, settings.WEBHOOK_MAX_BODY_BYTES)
    return limit


def too_large_response(size: int | None, limit: int) -> JsonResponse:
    """413 in the API's error envelope; `size` is None when the body was never counted whole."""
    detail = (
        _("Request body is %(size)d bytes; the limit is %(limit)d bytes.")
        % {"size": size, "limit": limit}
        if size is not None
        else _("Request body is larger than the limit of %(limit)d bytes.") % {"limit": limit}
    )
    return JsonResponse({"detail": detail, "code": "request_too_large", "errors": {}}, status=413)


class RequestBodyLimitMiddleware:
    """Answers an oversized API body with 413 before anything reads it.

    Django alone would raise RequestDataTooBig and answer 400; clients deserve 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request.path_info)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large_response(length, limit)
        return self.get_response(request)
