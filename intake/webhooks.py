"""Webhook deliveries from survey platforms: verify, map, validate, ingest — all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from types import ModuleType

from django.conf import settings as django_settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.batch import ERROR, responses_ingest_batch
from intake.models import WebhookSettings
from intake.platforms import generic
from intake.platforms.base import Context, Ignored, PayloadInvalid
from intake.services import ResponseData
from intake.validation import Invalid, response_data
from surveys.models import IngestionSource


class DeliveryConflict(Exception):
    """An answer id was already stored with another score: nothing of the delivery is kept."""

    def __init__(self, errors: dict[str, list[str]], existing_id: int):
        super().__init__(errors)
        self.errors = errors
        self.existing_id = existing_id


@dataclass
class DeliveryResult:
    results: list[dict] = field(default_factory=list)
    ignored: str | None = None
    batch: bool = False

    @property
    def created(self) -> int:
        return sum(not r["duplicate"] for r in self.results)

    @property
    def duplicates(self) -> int:
        return sum(r["duplicate"] for r in self.results)


def webhook_settings_of(source: IngestionSource) -> WebhookSettings | None:
    try:
        return source.webhook_settings
    except ObjectDoesNotExist:
        return None


def delivery_context(source: IngestionSource, now: dt.datetime | None) -> Context:
    config = webhook_settings_of(source)
    return Context(
        secret=source.webhook_secret,
        mapping=dict(config.mapping) if config and isinstance(config.mapping, dict) else {},
        require_timestamp=bool(config and config.require_timestamp),
        tolerance_seconds=config.tolerance_seconds if config else 300,
        now=now,
    )


def _parse(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise PayloadInvalid(
            {"non_field_errors": [_("The body is not valid JSON (%(error)s).") % {"error": exc}]}
        ) from exc


def webhook_deliver(
    *,
    platform: ModuleType,
    source: IngestionSource,
    body: bytes,
    headers,
    now: dt.datetime | None = None,
) -> DeliveryResult:
    """Checks the platform's signature before reading anything, then stores every answer
    of the delivery in one transaction, or none of them.

    Raises SignatureRejected (401), PayloadInvalid (400), DeliveryConflict (409).
    A replayed delivery stores nothing new and reports its answers as duplicates.
    """
    now = now or timezone.now()
    context = delivery_context(source, now)
    platform.verify(body=body, headers=headers, context=context)
    payload = _parse(body)
    mapped = platform.to_items(payload=payload, context=context)
    if isinstance(mapped, Ignored):
        return DeliveryResult(ignored=mapped.reason)

    config = webhook_settings_of(source)
    survey = config.survey if config else None
    if survey is None and platform is not generic:
        raise PayloadInvalid(
            {
                "survey": [
                    _(
                        "Source '%(slug)s' has no survey configured; an administrator sets it "
                        "under Integrations → Webhook settings."
                    )
                    % {"slug": source.slug}
                ]
            }
        )
    batch = isinstance(payload, list)
    cache: dict = {}
    errors: dict[str, list[str]] = {}
    answers: list[ResponseData] = []
    for index, entry in enumerate(mapped):
        if config and config.channel and isinstance(entry.item, dict):
            entry.item.setdefault("channel", config.channel)
        try:
            answers.append(
                response_data(
                    entry.item, context=cache, default_survey=survey, require_external_id=True
                )
            )
        except Invalid as exc:
            for key, messages in exc.errors.items():
                name = entry.name(key)
                errors.setdefault(f"[{index}].{name}" if batch else name, []).extend(messages)
    if errors:
        raise PayloadInvalid(errors)

    result = DeliveryResult(batch=batch)
    with transaction.atomic():
        outcomes = responses_ingest_batch(source=source, items=answers, now=now)
        for index, outcome in enumerate(outcomes):
            if outcome.conflict is not None:
                existing = outcome.conflict.existing
                message = _(
                    "Answer '%(id)s' from this source was already stored with score %(score)d "
                    "for survey '%(survey)s'."
                ) % {
                    "id": existing.external_id,
                    "score": existing.score,
                    "survey": existing.survey.slug,
                }
                key = mapped[index].name("score")
                key = f"[{index}].{key}" if batch else key
                raise DeliveryConflict({key: [message]}, existing.pk)
            if outcome.status == ERROR:  # all or nothing: the delivery is retried
                raise DatabaseError(f"answer {answers[index].external_id} not stored")
            response = outcome.response
            result.results.append(
                {
                    "index": index,
                    "id": response.pk,
                    "external_id": response.external_id,
                    "duplicate": outcome.duplicate,
                    "category": response.category,
                    "ticket": response.ticket_id,
                }
            )
    return result


def webhook_max_body_bytes() -> int:
    return getattr(django_settings, "WEBHOOK_MAX_BODY_BYTES", 1_000_000)


@transaction.atomic
def webhook_source_setup(
    *,
    name: str,
    slug: str,
    platform: str,
    survey=None,
    mapping: dict | None = None,
    channel: str = "",
    rotate_secret: bool = False,
) -> tuple[IngestionSource, str | None]:
    """Creates (or updates) a webhook source and its settings. Returns the signing secret
    when one was made (new source, or rotate_secret), else None: it is shown once."""
    import secrets

    from django.core.exceptions import ValidationError

    source, created = IngestionSource.objects.get_or_create(
        slug=slug,
        defaults={"name": name, "kind": IngestionSource.Kind.WEBHOOK, "platform": platform},
    )
    if source.kind != IngestionSource.Kind.WEBHOOK or source.platform != platform:
        raise ValidationError(
            _("Source '%(slug)s' exists and is not a %(platform)s webhook source.")
            % {"slug": slug, "platform": platform}
        )
    secret = None
    if created or rotate_secret or not source.webhook_secret:
        secret = secrets.token_urlsafe(32)
        source.webhook_secret = secret
        source.save(update_fields=["webhook_secret"])
    config, _created = WebhookSettings.objects.get_or_create(source=source)
    if survey is not None:
        config.survey = survey
    if mapping is not None:
        config.mapping = mapping
    if channel:
        config.channel = channel
    config.full_clean()
    config.save()
    return source, secret
