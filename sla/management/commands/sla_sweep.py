from django.core.management.base import BaseCommand

from sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Runs one SLA sweep now (warnings, breaches, escalations, callbacks) and reports."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        result = sla_sweep(batch_size=options["batch_size"])
        self.stdout.write(str(result))
