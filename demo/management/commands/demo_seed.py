import time

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed import demo_seed


class Command(BaseCommand):
    help = (
        "Loads demo teams, people, rules and six weeks of answers through the real ingestion "
        "path, then prints the logins and keys. Running it again stores nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-keys", action="store_true", help="Print only the logins, token and source key."
        )

    def handle(self, *args, print_keys: bool = False, **options):
        started = time.monotonic()
        summary = demo_seed()
        elapsed = time.monotonic() - started
        site = settings.SITE_URL.rstrip("/")
        write = self.stdout.write
        if not print_keys:
            write(
                f"Demo data: {summary.created_answers} new answers, "
                f"{summary.advanced_tickets} tickets moved along ({elapsed:.1f}s)."
            )
        write("")
        write(f"  Open {site}/  (staff UI)  and  {site}/admin/  (Django admin)")
        for role, username, password in summary.logins:
            write(f"  {role:<8} login: {username:<8} password: {password}")
        write(f"  agent API token:     {summary.agent_token}")
        write(f"  'api' source key:    {summary.api_source_key}")
        write("")
