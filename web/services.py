"""The few writes the UI owns itself (everything about tickets lives in tickets.services)."""

from __future__ import annotations

from django.conf import settings


def user_language_set(*, user, language: str) -> None:
    """Remember the chosen language on the profile; '' means follow the browser."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    user.language = language
    user.save(update_fields=["language"])
