from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """The SLA engine: calendars, policies, clocks, the sweep and its messages."""

    name = "sla"
    verbose_name = _("SLA")
