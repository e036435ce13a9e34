"""Server errors and unknown addresses answer in the caller's language: JSON under /api/
and /hooks/ (the schema promises JSON there), the site's pages elsewhere."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found, server_error

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


def handler404(request, exception=None, *args, **kwargs):
    """An address no route matches (e.g. /api/v1/tickets/abc/): a JSON 404 under the API."""
    if request.path.startswith(JSON_PREFIXES):
        return JsonResponse(
            {
                "detail": _("No such address: %(path)s") % {"path": request.path[:200]},
                "code": "not_found",
                "errors": {},
            },
            status=404,
        )
    return page_not_found(request, exception, *args, **kwargs)
