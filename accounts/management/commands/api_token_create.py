"""python manage.py api_token_create <username> [--name NAME]: prints a new API token once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.api_tokens import api_token_create


class Command(BaseCommand):
    help = "Make an API token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        _token, key = api_token_create(user=user, name=name)
        # Same line as DRF's drf_create_token printed, so scripts reading word 3 still work.
        self.stdout.write(f"Generated token {key} for user {username}")
