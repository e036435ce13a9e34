from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils.translation import gettext as _

from sla.clocks import ticket_sla_summary_refresh, ticket_sla_summary_stale
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Recomputes every ticket's queue summary of its SLA clocks (next_due_at, sla_state) "
        "and rewrites the tickets where it differs. Repair path after clocks were written "
        "behind the SLA code's back (raw SQL, restored backups); safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000, help="Tickets per transaction.")
        parser.add_argument(
            "--check", action="store_true", help="Count the stale tickets; change nothing."
        )

    def handle(self, *args, chunk: int, check: bool, **options):
        bounds = Ticket.objects.aggregate(first=Min("pk"), last=Max("pk"), n=Count("pk"))
        chunk, stale = max(chunk, 1), 0
        if bounds["n"]:
            for start in range(bounds["first"], bounds["last"] + 1, chunk):
                with transaction.atomic():
                    ids = ticket_sla_summary_stale(start, start + chunk - 1)
                    if ids and not check:
                        ticket_sla_summary_refresh(ids)
                stale += len(ids)
        if check:
            message = _("%(checked)d tickets checked: %(stale)d with a stale SLA summary")
        else:
            message = _("%(checked)d tickets checked: %(stale)d SLA summaries repaired")
        self.stdout.write(message % {"checked": bounds["n"], "stale": stale})
