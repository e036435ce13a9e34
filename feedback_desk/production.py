"""Refuses to run unsafe with DEBUG off: a public or short SECRET_KEY lets anyone forge
re-rate links and sessions; a missing ALLOWED_HOSTS answers any Host header."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
MIN_SECRET_KEY_LENGTH = 50


def production_settings_check(
    *, debug: bool, secret_key: str | None, allowed_hosts: list[str] | None
) -> None:
    """Raises ImproperlyConfigured naming the setting; does nothing in DEBUG."""
    if debug:
        return
    if not secret_key:
        raise ImproperlyConfigured("SECRET_KEY is not set; DEBUG is off, so it is required.")
    if secret_key == DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY is the public development key; set your own.")
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters."
        )
    if not allowed_hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS is not set; DEBUG is off, so it is required.")
