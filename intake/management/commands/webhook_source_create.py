import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.text import slugify

from intake.platforms import PLATFORMS
from intake.webhooks import webhook_source_setup
from surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Creates (or updates) a webhook source for a survey platform and prints the URL to "
        "paste into the platform and, once, the signing secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--platform", required=True, choices=sorted(PLATFORMS))
        parser.add_argument("--slug")
        parser.add_argument("--survey", help="Survey slug the answers are recorded for.")
        parser.add_argument("--mapping", help="JSON object, see docs/integrations.md.")
        parser.add_argument("--channel", default="")
        parser.add_argument(
            "--rotate-secret", action="store_true", help="Issue a new signing secret."
        )
        parser.add_argument(
            "--secret",
            default="",
            help="Use the platform's own secret (Survicate signing secret, Formbricks whsec_…, "
            "Delighted API key, Qualtrics sharedKey, SurveyMonkey '<api key>&<api secret>').",
        )
        parser.add_argument("--api-base", default="", help="Platform API address (fetching).")
        parser.add_argument("--api-token", default="", help="Platform API token (fetching).")

    def handle(self, *args, name, platform, slug, survey, mapping, channel, rotate_secret, **o):
        given_secret, api_base, api_token = o["secret"], o["api_base"], o["api_token"]
        slug = slug or slugify(name)
        if not slug:
            raise CommandError("Give a name with letters or digits, or --slug.")
        survey_obj = None
        if survey:
            survey_obj = Survey.objects.filter(slug=survey).first()
            if survey_obj is None:
                raise CommandError(f"Unknown survey '{survey}'.")
        mapping_obj = None
        if mapping:
            try:
                mapping_obj = json.loads(mapping)
            except ValueError as exc:
                raise CommandError(f"--mapping is not valid JSON: {exc}") from exc
        try:
            source, secret = webhook_source_setup(
                name=name,
                slug=slug,
                platform=platform,
                survey=survey_obj,
                mapping=mapping_obj,
                channel=channel,
                rotate_secret=rotate_secret,
                secret=given_secret,
                api_base=api_base,
                api_token=api_token,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        path = reverse("intake:webhook", kwargs={"platform": platform, "slug": source.slug})
        self.stdout.write(f"url: {settings.SITE_URL.rstrip('/')}{path}")
        if secret:
            self.stdout.write(f"secret: {secret}")
        elif given_secret:
            self.stdout.write("secret: set from --secret")
        else:
            self.stdout.write("secret: unchanged (use --rotate-secret for a new one)")
