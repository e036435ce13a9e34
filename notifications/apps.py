from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the tasks this app's services hand rows to by name (every process that
        # writes rows must know them, not only the worker).
        from notifications import tasks  # noqa: F401
