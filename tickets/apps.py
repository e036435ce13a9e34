from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        import feedback_desk.checks  # noqa: F401 - registers the system checks
        from tickets.install import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="tickets.install")
