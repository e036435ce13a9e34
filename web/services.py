"""The few writes the UI owns itself (everything about tickets lives in tickets.services)."""

from __future__ import annotations

from django.conf import settings


def user_language_set(*, user, language: str) -> None:
    """Remember the chosen language on the profile; '' means follow the browser."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    user.language = language
    user.save(update_fields=["language"])


def user_preferences_set(*, user, language: str, time_zone: str, date_style: str) -> None:
    """The profile page's save: language, time zone and the English date format."""
    user.language, user.time_zone, user.date_style = language, time_zone, date_style
    user.full_clean(validate_unique=False, exclude=["password", "username"])
    user.save(update_fields=["language", "time_zone", "date_style"])
