"""`manage.py check` errors for an install that would silently not work."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, deploy=False)
def email_configured(app_configs=None, **kwargs):
    if settings.DEBUG or getattr(settings, "EMAIL_CONFIGURED", True):
        return []
    return [
        Error(
            "EMAIL_URL is not set while DEBUG is off: emails are kept pending, not sent.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587",
            id="feedback_desk.E001",
        )
    ]


def invoked_as_check() -> bool:
    return sys.argv[1:2] == ["check"]


@register(Tags.compatibility)
def sla_ready(app_configs=None, **kwargs):
    """Errors for `manage.py check`; warnings for other commands, so `migrate` (which
    creates the policy) and `createsuperuser` still run before beat has swept once."""
    return sla_problems(strict=invoked_as_check())


def sla_problems(*, strict: bool) -> list:
    """No SLA policy: tickets open without deadlines. No recent sweep: nothing breaches."""
    from feedback_desk.heartbeat import sweep_age, sweep_stale_after
    from sla.models import SlaPolicy

    level = Error if strict else Warning
    problems = []
    try:
        has_policy = SlaPolicy.objects.exists()
    except Exception:  # noqa: BLE001 - not migrated yet: migrate will create one
        return []
    if not has_policy:
        problems.append(
            level(
                "No SLA policy exists: tickets open without deadlines.",
                hint="Run `manage.py migrate` (it creates a default) or add one in the admin.",
                id="feedback_desk.E002",
            )
        )
    age = sweep_age()
    if age is None or age > sweep_stale_after():
        text = "never" if age is None else f"{int(age)} s ago"
        problems.append(
            level(
                f"The SLA sweep last ran {text}: no breach is flagged without beat and a worker.",
                hint="Run `celery -A feedback_desk beat` and `celery -A feedback_desk worker`.",
                id="feedback_desk.E003",
            )
        )
    return problems
