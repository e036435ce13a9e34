"""Shared fixtures. Tests needing PostgreSQL or Redis skip with a reason on a laptop
without them, and fail when CI is set: CI must prove the real path."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import factories

IN_CI = bool(os.environ.get("CI"))

# Test databases start empty: tests that need the install defaults call tickets.install.
settings.INSTALL_DEFAULTS_ON_MIGRATE = False


@pytest.fixture(autouse=True)
def shared_cache_cleared():
    """The cache is shared (Redis, or files): throttle counters, lockouts and the sweep's
    heartbeat must not leak between tests. Only our prefix: the broker shares the DB."""
    from django.core.cache import cache

    _cache_clear(cache)
    yield
    _cache_clear(cache)


def _cache_clear(cache) -> None:
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        redis_client = client.get_client(write=True)
        keys = list(redis_client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            redis_client.delete(*keys)
    else:
        cache.clear()


def service_missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} — CI requires it", pytrace=False)
    pytest.skip(reason)


def postgres_configured() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL") or settings.REDIS_URL
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        return None
    return url


def celery_importable() -> bool:
    try:
        import celery  # noqa: F401
        import django_celery_beat  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not postgres_configured():
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and redis_url() is None:
        service_missing("needs Redis: set REDIS_URL=redis://… and start redis-server")
    if item.get_closest_marker("worker"):
        # Real Celery workers and beat read the test database through the broker.
        if not postgres_configured():
            service_missing("a worker test needs PostgreSQL: set DATABASE_URL=postgres://…")
        if redis_url() is None:
            service_missing("a worker test needs Redis as the broker: set REDIS_URL=redis://…")
        if not celery_importable():
            service_missing("a worker test needs celery and django-celery-beat installed")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def survey(db):
    return factories.SurveyFactory(slug="nps-2026")


@pytest.fixture
def source(db):
    return factories.SourceFactory()


@pytest.fixture
def source_key(source):
    key = source.issue_key()
    source.save()
    return key


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_api(api, admin_user):
    api.force_authenticate(admin_user)
    return api


@pytest.fixture
def ingest_api(api, source_key):
    """An API client authenticated as an ingestion source (Bearer key)."""
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {source_key}")
    return api
