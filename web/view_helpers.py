"""What the staff views ask of a request or a user, shared by the page modules."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from tickets.selectors import teams_managed_by


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def user_is_manager(user) -> bool:
    return user.is_superuser or teams_managed_by(user).exists()


def error_text(exc) -> str:
    """A service's refusal as one line for a message or a form error."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", "") or exc)
