from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The way answers come in: the ingestion service, platform webhooks, file imports."""

    name = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        # Registers the tasks this app's services hand rows to by name (every process that
        # writes rows must know them, not only the worker).
        from intake import tasks  # noqa: F401
