"""Server errors answer in the caller's language: JSON under /api/ and /hooks/."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import server_error

JSON_PREFIXES = ("/api/", "/hooks/")


def handler500(request, *args, **kwargs):
    if request.path.startswith(JSON_PREFIXES):
        return JsonResponse(
            {
                "detail": _("Internal error; it has been logged. Retry later."),
                "code": "server_error",
                "errors": {},
            },
            status=500,
        )
    return server_error(request, *args, **kwargs)
