from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tickets.periodic import periodic_tasks_setup


class Command(BaseCommand):
    help = (
        "Creates or updates the celery beat schedule (SLA sweep, outbox flush, re-rate "
        "invitations, auto-close, NPS rollup refresh and nightly rebuild). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sla-interval", type=int, help="seconds (SLA_SWEEP_INTERVAL)")
        parser.add_argument("--flush-interval", type=int, help="seconds (OUTBOX_FLUSH_INTERVAL)")

    def handle(self, *args, **options):
        for task, when, created in periodic_tasks_setup(
            sla_interval=options["sla_interval"], flush_interval=options["flush_interval"]
        ):
            verb = _("created") if created else _("up to date")
            schedule = (
                _("every %(seconds)s s") % {"seconds": when}
                if isinstance(when, int)
                else _("daily at %(time)s UTC") % {"time": when}
            )
            self.stdout.write(f"{task}: {schedule} ({verb})")
