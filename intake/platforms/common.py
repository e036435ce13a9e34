"""Small helpers the newer platform adapters share: casting and path look-ups."""

from __future__ import annotations

import datetime as dt
import math

from django.utils.translation import gettext as _

from intake.platforms.base import FetchUnavailable, PayloadInvalid

MISSING = object()


def dig(payload, path: str):
    """Value at a dotted path ("event_data.person.email"); MISSING when any step is absent."""
    value = payload
    for step in path.split("."):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return MISSING
    return value


def require_object(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadInvalid({path: [_("Must be a JSON object.")]})
    return value


def cast_score(value, path: str) -> int:
    """Scores arrive as 7, 7.0 or "7" depending on the platform; anything else is refused."""
    if isinstance(value, bool):
        raise PayloadInvalid({path: [_("Must be a whole number from 0 to 10.")]})
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and number.is_integer():
            return int(number)
    raise PayloadInvalid({path: [_("Must be a whole number from 0 to 10.")]})


def unix_to_iso(value, path: str) -> str:
    """Unix seconds (int or digit string) as ISO-8601 UTC."""
    try:
        seconds = int(str(value).strip())
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat()
    except (ValueError, OverflowError, OSError) as exc:  # milliseconds: out of range
        raise PayloadInvalid({path: [_("Must be Unix time in seconds.")]}) from exc


def version_of(value) -> float | None:
    """A delivery's version as a number to compare: a count, Unix seconds or an ISO time
    (the platform's updated-at). None when absent or unreadable: then it is not compared."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return number if math.isfinite(number) else None
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
    return None


def customer_of(pairs: dict[str, tuple[object, str]], item: dict, paths: dict) -> None:
    """Puts non-empty customer values into item["customer"], remembering their paths."""
    customer = item.setdefault("customer", {})
    for name, (value, path) in pairs.items():
        if value is MISSING or value in (None, ""):
            continue
        customer[name] = str(value) if name == "external_id" else value
        paths[f"customer.{name}"] = path


def require_api(context, platform_name: str) -> tuple[str, str]:
    """The source's API address and token; without them the fetch waits (and is retried)."""
    if not context.api_base or not context.api_token:
        raise FetchUnavailable(
            _("Source has no API address or token for %(platform)s yet.")
            % {"platform": platform_name}
        )
    return context.api_base.rstrip("/"), context.api_token
