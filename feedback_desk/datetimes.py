"""One date-time format per language, for pages and emails alike.

The formats live in `feedback_desk/formats/<lang>/formats.py` (FORMAT_MODULE_PATH). English
is en-GB (24-hour) unless the person chose en-US; the choice travels in a context variable
that the accounts middleware sets per request, or is passed explicitly for an email.
"""

from __future__ import annotations

import contextvars
import datetime as dt

from django.utils import dateformat, formats, timezone, translation

EN_GB, EN_US = "en-gb", "en-us"
_style: contextvars.ContextVar[str] = contextvars.ContextVar("fd_date_style", default=EN_GB)


def date_style_activate(style: str | None) -> None:
    """The English variant for this request or task ('en-gb' or 'en-us')."""
    _style.set(EN_US if style == EN_US else EN_GB)


def _format_lang(style: str | None) -> str:
    lang = (translation.get_language() or "en").split("-")[0]
    if lang == "en" and (style or _style.get()) == EN_US:
        return EN_US
    return lang


def moment_format(
    value: dt.datetime | dt.date | None,
    *,
    kind: str = "SHORT_DATETIME_FORMAT",
    style: str | None = None,
    tz: dt.tzinfo | None = None,
) -> str:
    """'27.11.2026 05:12' (ru), '27/11/2026 05:12' (en-GB), '11/27/2026 5:12 AM' (en-US).

    Aware datetimes are shown in `tz` or the active time zone; '' for None.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, tz)
    fmt = formats.get_format(kind, lang=_format_lang(style), use_l10n=True)
    return dateformat.format(value, fmt)
