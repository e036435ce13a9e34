"""When the SLA sweep last ran, kept in the shared cache (Redis, or files under var/)
so the web process, `manage.py check` and /healthz can see that beat and a worker work."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

SWEEP_KEY = "fd:heartbeat:sla_sweep"


def sweep_heartbeat_record(*, now: dt.datetime | None = None) -> None:
    cache.set(SWEEP_KEY, (now or timezone.now()).isoformat(), timeout=None)


def sweep_age(*, now: dt.datetime | None = None) -> float | None:
    """Seconds since the last sweep, or None when none was recorded."""
    try:
        value = cache.get(SWEEP_KEY)
    except Exception:  # noqa: BLE001 - the cache down is reported by the caller as unknown
        return None
    if not value:
        return None
    return ((now or timezone.now()) - dt.datetime.fromisoformat(value)).total_seconds()


def sweep_stale_after() -> int:
    """Five sweep intervals without a sweep: beat or the worker is not running."""
    return 5 * int(settings.SLA_SWEEP_INTERVAL)
