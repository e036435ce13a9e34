"""Answers announced by id only (Qualtrics, SurveyMonkey): fetched from the platform's
responses API with the source's token.

The notification becomes a PendingFetch row in the delivery's transaction; the row is handed
to Celery on commit. A fetch that fails because the platform's API is down (connection error,
timeout, 429, 5xx) keeps the row pending with an exponentially growing delay (30 s doubling,
at most an hour), so an outage of a day loses nothing; the periodic sweep
(intake.pending_fetches_run) picks up whatever is due. A fetched answer that cannot be
mapped goes to the dead-letter box.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

from django.db import transaction
from django.utils import timezone

from intake.models import DeadLetter, PendingFetch
from intake.platforms.base import FetchUnavailable, PayloadInvalid

FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
TIMEOUT_SECONDS = 10


def http_get_json(url: str, headers: dict[str, str]) -> dict:
    """GET a JSON document; anything but a 2xx JSON answer is FetchUnavailable."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            raw = answer.read()
    except urllib.error.HTTPError as exc:
        raise FetchUnavailable(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchUnavailable(f"{url}: {exc}") from exc
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise FetchUnavailable(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise FetchUnavailable(f"{url} did not answer a JSON object")
    return document


def retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=min(FIRST_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    )


def pending_fetch_process(
    *, fetch_id: int, now: dt.datetime | None = None, get_json=http_get_json
) -> PendingFetch:
    """One attempt. Raises nothing for a platform outage: the row records the error and
    when to try again."""
    from intake.platforms import platform_get
    from intake.webhooks import delivery_context, items_store

    now = now or timezone.now()
    fetch = PendingFetch.objects.select_related("source").get(pk=fetch_id)
    if fetch.status != PendingFetch.Status.PENDING:
        return fetch
    platform = platform_get(fetch.platform)
    context = delivery_context(fetch.source, now)
    try:
        mapped = platform.fetch_items(request=fetch.request, context=context, get_json=get_json)
        items_store(platform=platform, source=fetch.source, mapped=mapped, now=now)
    except FetchUnavailable as exc:
        fetch.attempts += 1
        fetch.last_error = str(exc)[:2000]
        fetch.next_attempt_at = now + retry_delay(fetch.attempts)
        fetch.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        return fetch
    except PayloadInvalid as exc:
        with transaction.atomic():
            DeadLetter.objects.create(
                source=fetch.source,
                platform=fetch.platform,
                reason=exc.errors,
                body=json.dumps({"pending_fetch": fetch.pk, **fetch.request}).encode(),
                headers={"X-Fetched": "1"},
            )
            fetch.status = PendingFetch.Status.DEAD
            fetch.attempts += 1
            fetch.last_error = json.dumps(exc.errors, ensure_ascii=False)[:2000]
            fetch.save(update_fields=["status", "attempts", "last_error"])
        return fetch
    fetch.status = PendingFetch.Status.DONE
    fetch.attempts += 1
    fetch.done_at = now
    fetch.last_error = ""
    fetch.save(update_fields=["status", "attempts", "done_at", "last_error"])
    return fetch


def pending_fetches_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        PendingFetch.objects.filter(status=PendingFetch.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
