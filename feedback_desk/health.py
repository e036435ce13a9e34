"""GET /healthz: 200 when the database and the broker answer and the SLA sweep ran
recently; 503 naming what does not. Error details (hosts, ports) only for staff."""

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from feedback_desk.heartbeat import sweep_age, sweep_stale_after


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    from feedback_desk.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


STARTED = time.monotonic()


def check_sweep() -> tuple[str | None, float | None]:
    """A fresh install has not swept yet: that fails only once this process has been up
    for as long as a stale sweep would be."""
    age = sweep_age()
    if age is None:
        if time.monotonic() - STARTED < sweep_stale_after():
            return None, None
        return "no SLA sweep has run (start beat and a worker)", None
    if age > sweep_stale_after():
        return f"last SLA sweep {int(age)} s ago (beat or worker stopped)", age
    return None, age


@never_cache
@require_GET
def healthz(request):
    sweep_error, age = check_sweep()
    checks = {"database": check_database(), "broker": check_broker(), "sla_sweep": sweep_error}
    failing = {name: error for name, error in checks.items() if error}
    detailed = bool(getattr(request.user, "is_staff", False))
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {
            name: "ok" if not error else (error if detailed else "down")
            for name, error in checks.items()
        },
        "sla_sweep_age_seconds": None if age is None else round(age),
    }
    if failing:
        body["detail"] = "not answering: " + ", ".join(sorted(failing))
    return JsonResponse(body, status=200 if not failing else 503)
