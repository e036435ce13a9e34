from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from surveys.models import IngestionSource


class Command(BaseCommand):
    help = (
        "Creates an ingestion source (or issues a new key for an existing one) and prints its key."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug")
        parser.add_argument(
            "--kind", default=IngestionSource.Kind.API, choices=IngestionSource.Kind.values
        )
        parser.add_argument("--platform", default="")
        parser.add_argument("--rotate", action="store_true", help="Issue a new key if it exists.")

    def handle(self, *args, name, slug, kind, platform, rotate, **options):
        slug = slug or slugify(name)
        if not slug:
            raise CommandError("Give a name with letters or digits, or --slug.")
        source, created = IngestionSource.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "platform": platform}
        )
        if not created and not rotate:
            raise CommandError(f"Source '{slug}' exists; add --rotate to issue a new key.")
        key = source.issue_key()
        source.save()
        self.stdout.write(key)
