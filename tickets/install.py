"""What a plain `migrate` sets up, so "migrate + worker + beat" works without the demo:
the periodic tasks and, when there is no SLA policy at all, the default calendar and policy
of sla.defaults.default_sla_install."""

from __future__ import annotations

from django.conf import settings


def on_post_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate of the tickets app (runs once per `migrate`)."""
    if not getattr(settings, "INSTALL_DEFAULTS_ON_MIGRATE", True) or using != "default":
        return
    from sla.defaults import default_sla_install
    from tickets.periodic import periodic_tasks_setup

    periodic_tasks_setup()
    default_sla_install()
