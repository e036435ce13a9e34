"""Reads for intake (webhook sources)."""

from __future__ import annotations

from surveys.models import IngestionSource


def webhook_source_get(*, platform: str, slug: str) -> IngestionSource | None:
    """The active webhook source with this slug, if it is set up for this platform."""
    return (
        IngestionSource.objects.select_related("webhook_settings__survey")
        .filter(
            slug=slug,
            kind=IngestionSource.Kind.WEBHOOK,
            platform=platform,
            is_active=True,
        )
        .first()
    )
