"""Error pages: styled and translated for people, the API's JSON shape under /api/ and /hooks/.

Wired as handler403/404/500 in feedback_desk.urls. The template needs no database, so the
500 page renders even when the database is what failed.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

MACHINE_PREFIXES = ("/api/", "/hooks/")


def _for_machines(request) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def _respond(request, status: int, code: str, title: str, text: str):
    if _for_machines(request):
        return JsonResponse({"detail": title, "code": code, "errors": {}}, status=status)
    body = loader.render_to_string(
        "web/error.html", {"status": status, "title": title, "text": text}, request=None
    )
    return HttpResponse(body, status=status)


def permission_denied(request, exception=None):
    return _respond(
        request,
        403,
        "permission_denied",
        _("You cannot open this page"),
        _("Your role does not give access to it. Ask your manager if you need it."),
    )


def page_not_found(request, exception=None):
    return _respond(
        request,
        404,
        "not_found",
        _("Page not found"),
        _("The address may be mistyped, or the ticket is not in your queues."),
    )


def server_error(request):
    return _respond(
        request,
        500,
        "server_error",
        _("Something went wrong on our side"),
        _("The error has been logged. Try again in a minute."),
    )
