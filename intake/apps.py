from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The way answers come in: the ingestion service, platform webhooks, file imports."""

    name = "intake"
    verbose_name = _("Intake")
