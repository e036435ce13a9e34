"""Rate limits on the shared cache (Redis when REDIS_URL is set): ingestion per source key
or webhook source, reads per user, failed authentication per client address.

Rates come from settings.THROTTLE_RATES (read on every call, so they can be changed in
settings or tests), e.g. {"ingest": "600/min"}; None switches a limit off."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle


def _rate(scope: str) -> str | None:
    return getattr(settings, "THROTTLE_RATES", {}).get(scope)


class _SettingsRate(SimpleRateThrottle):
    cache = cache

    def get_rate(self):
        return _rate(self.scope)

    def __init__(self):  # SimpleRateThrottle reads the rate in __init__
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)


class IngestRateThrottle(_SettingsRate):
    """Writes of answers: per source key; per user for a signed-in or token writer."""

    scope = "ingest"

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        source = request.auth  # a source key authenticates as its IngestionSource row
        if source is not None and type(source).__name__ == "IngestionSource":
            ident = f"source:{source.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReadRateThrottle(_SettingsRate):
    """Reads per signed-in user (generous); anonymous callers are refused anyway."""

    scope = "read"

    def get_cache_key(self, request, view):
        if request.method not in ("GET", "HEAD") or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def key_allowed(scope: str, ident: str) -> tuple[bool, int | None]:
    """For plain Django views (webhooks): (allowed, seconds to wait)."""
    throttle = _KeyThrottle(scope, ident)
    allowed = throttle.allow_request(None, None)
    wait = None if allowed else max(1, int(throttle.wait() or 1))
    return allowed, wait


class _KeyThrottle(_SettingsRate):
    def __init__(self, scope: str, ident: str):
        self.scope = scope
        self.ident = ident
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


# --- failed authentication per client address ------------------------------------------


class _AuthFailures(_SettingsRate):
    """Counts failed API authentications of one address; refuses it past the rate."""

    scope = "auth_failure"

    def __init__(self, request):
        super().__init__()
        self.ident = self.get_ident(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}

    def blocked(self) -> int | None:
        """Seconds to wait when the address is over its failures, else None."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(None, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return max(1, int(self.wait() or 1))
        return None

    def record(self) -> None:
        if self.rate is None:
            return
        if self.blocked() is None:
            self.throttle_success()


def auth_failure_guard(request) -> None:
    """Raise 429 before checking credentials from an address that failed too often."""
    wait = _AuthFailures(request).blocked()
    if wait is not None:
        raise Throttled(wait=wait)


def auth_failure_record(request) -> None:
    _AuthFailures(request).record()
