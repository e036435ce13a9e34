"""GET /healthz: 200 when the database and the broker answer, 503 naming what does not."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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


@never_cache
@require_GET
def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    failing = {name: error for name, error in checks.items() if error}
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: ("ok" if not error else error) for name, error in checks.items()},
    }
    if failing:
        body["detail"] = "not answering: " + ", ".join(sorted(failing))
    return JsonResponse(body, status=200 if not failing else 503)
