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
from intake.fetch_queue import pending_fetch_record
from intake.models import WebhookSettings
from intake.platforms import generic
from intake.platforms.base import Context, FetchLater, Ignored, PayloadInvalid
from intake.services import ResponseData
from intake.upsert import platform_answer_upsert
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
    dead_letter: int | None = None
    dead_reason: dict | None = None
    fetch: int | None = None
    updated: int = 0

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


def delivery_context(
    source: IngestionSource, now: dt.datetime | None, *, path_token: str = ""
) -> Context:
    config = webhook_settings_of(source)
    return Context(
        path_token=path_token,
        api_token=config.api_token if config else "",
        api_base=config.api_base if config else "",
        secret=source.webhook_secret,
        mapping=_mapping_of(config),
        require_timestamp=bool(config and config.require_timestamp),
        tolerance_seconds=config.tolerance_seconds if config else 300,
        now=now,
    )


def _mapping_of(config: WebhookSettings | None) -> dict[str, str]:
    """The source's mapping with string values only: a number stored before the admin form
    checked it (a question id) is read as its text; anything else is left out."""
    mapping = config.mapping if config and isinstance(config.mapping, dict) else {}
    return {
        key: str(value)
        for key, value in mapping.items()
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    }


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
    path_token: str = "",
) -> DeliveryResult:
    """Checks the platform's signature before reading anything, then stores every answer
    of the delivery in one transaction, or none of them.

    Raises SignatureRejected (401). For the generic scheme also PayloadInvalid (400) and
    DeliveryConflict (409). For a platform, a signed delivery that cannot be mapped is kept
    in the dead-letter box and acknowledged; a repeated delivery upserts its answer.
    """
    now = now or timezone.now()
    context = delivery_context(source, now, path_token=path_token)
    platform.verify(body=body, headers=headers, context=context)
    if platform is generic:
        return delivery_process(platform=platform, source=source, body=body, now=now)
    try:
        return delivery_process(platform=platform, source=source, body=body, now=now)
    except PayloadInvalid as exc:
        from intake.models import DeadLetter

        letter = DeadLetter.objects.create(
            source=source,
            platform=platform.NAME,
            reason=exc.errors,
            body=body,
            headers={"Content-Type": headers.get("Content-Type", "")},
        )
        return DeliveryResult(dead_letter=letter.pk, dead_reason=exc.errors)


def delivery_process(
    *,
    platform: ModuleType,
    source: IngestionSource,
    body: bytes,
    now: dt.datetime | None = None,
) -> DeliveryResult:
    """Maps and stores an already verified delivery (also used to re-process dead letters)."""
    now = now or timezone.now()
    context = delivery_context(source, now)
    try:
        payload = platform.parse(body) if hasattr(platform, "parse") else _parse(body)
        mapped = platform.to_items(payload=payload, context=context)
    except (ValueError, OverflowError, OSError, RecursionError) as exc:
        # A value no adapter check foresaw (a date out of range, nesting too deep): the
        # delivery is unreadable, not a server error.
        raise PayloadInvalid(
            {"non_field_errors": [_("The delivery cannot be read (%(error)s).") % {"error": exc}]}
        ) from exc
    if isinstance(mapped, Ignored):
        return DeliveryResult(ignored=mapped.reason)
    if isinstance(mapped, FetchLater):
        fetch = pending_fetch_record(source=source, platform=platform, later=mapped, now=now)
        return DeliveryResult(fetch=fetch.pk)
    return items_store(
        platform=platform, source=source, mapped=mapped, now=now, batch=isinstance(payload, list)
    )


def items_store(
    *, platform: ModuleType, source: IngestionSource, mapped: list, now: dt.datetime, batch=False
) -> DeliveryResult:
    """Validates every mapped answer, then stores them all in one transaction."""
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
        if platform is not generic:
            # platforms send several deliveries per answer: upsert by their response id
            for index, data in enumerate(answers):
                upserted = platform_answer_upsert(source=source, data=data, now=now)
                result.updated += bool(upserted.changed)
                result.results.append(
                    _result_row(index, upserted.response, duplicate=not upserted.created)
                )
            return result
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
            result.results.append(_result_row(index, outcome.response, duplicate=outcome.duplicate))
    return result


def _result_row(index: int, response, *, duplicate: bool) -> dict:
    return {
        "index": index,
        "id": response.pk,
        "external_id": response.external_id,
        "duplicate": duplicate,
        "category": response.category,
        "ticket": response.ticket_id,
    }


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
    secret: str = "",
    api_base: str = "",
    api_token: str = "",
) -> tuple[IngestionSource, str | None]:
    """Creates (or updates) a webhook source and its settings. Returns the signing secret
    when one was made (new source, or rotate_secret), else None: it is shown once.
    `secret` sets the platform's own secret (Survicate signing secret, Formbricks whsec_…,
    Delighted API key, Qualtrics sharedKey, SurveyMonkey "<api key>&<api secret>")."""
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
    given, secret = secret, None
    if given:
        source.webhook_secret = given
        source.save(update_fields=["webhook_secret"])
    elif created or rotate_secret or not source.webhook_secret:
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
    if api_base:
        config.api_base = api_base
    if api_token:
        config.api_token = api_token
    config.full_clean()
    config.save()
    return source, secret
