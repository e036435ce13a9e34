from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _


class RequestBodyLimitMiddleware:
    """Answers an oversized API body with 413 before anything reads it.

    Django alone would raise RequestDataTooBig and answer 400; clients deserve 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = (
            settings.MAX_BULK_BODY_BYTES
            if request.path.rstrip("/").endswith("/bulk")
            else settings.MAX_REQUEST_BODY_BYTES
        )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return JsonResponse(
                {
                    "detail": _("Request body is %(size)d bytes; the limit is %(limit)d bytes.")
                    % {"size": length, "limit": limit},
                    "code": "request_too_large",
                    "errors": {},
                },
                status=413,
            )
        return self.get_response(request)
