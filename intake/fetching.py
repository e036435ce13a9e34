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
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import DeadLetter, PendingFetch
from intake.platforms.base import FetchRefused, FetchUnavailable, PayloadInvalid

FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
TIMEOUT_SECONDS = 10
TEMPORARY_CLIENT_ERRORS = (408, 429)  # timeout, rate limit: worth trying again

log = logging.getLogger(__name__)


CREDENTIAL_HEADERS = ("x-api-token", "authorization")


class _KeepCredentialsHome(urllib.request.HTTPRedirectHandler):
    """Follows a redirect, but sends the platform token only to the origin it was meant
    for: a redirect to another scheme, host or port drops X-API-TOKEN and Authorization."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            for name in list(new.headers):
                if name.lower() in CREDENTIAL_HEADERS:
                    del new.headers[name]
            for name in list(new.unredirected_hdrs):
                if name.lower() in CREDENTIAL_HEADERS:
                    del new.unredirected_hdrs[name]
        return new


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port


_opener = urllib.request.build_opener(_KeepCredentialsHome)


def http_get_json(url: str, headers: dict[str, str]) -> dict:
    """GET a JSON document. A 4xx other than 408/429 is FetchRefused (final); anything else
    but a 2xx JSON answer is FetchUnavailable (tried again)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            raw = answer.read()
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in TEMPORARY_CLIENT_ERRORS:
            raise FetchRefused(
                _(
                    "The platform's API refused the request (HTTP %(code)d from %(url)s); "
                    "check the source's API address and token."
                )
                % {"code": exc.code, "url": url}
            ) from exc
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
    now = now or timezone.now()
    with transaction.atomic():
        # Locked for the attempt: the sweep and a worker's retry never run the same fetch.
        fetch = (
            PendingFetch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("source")
            .filter(pk=fetch_id)
            .first()
        )
        if fetch is None:  # being fetched by another worker right now
            return PendingFetch.objects.get(pk=fetch_id)
        if fetch.status == PendingFetch.Status.PENDING:
            _attempt(fetch, now=now, get_json=get_json)
        return fetch


def _attempt(fetch: PendingFetch, *, now: dt.datetime, get_json) -> None:
    from intake.platforms import platform_get
    from intake.webhooks import delivery_context, items_store

    platform = platform_get(fetch.platform)
    context = delivery_context(fetch.source, now)
    try:
        with transaction.atomic():  # a failure leaves nothing of the answer behind
            mapped = platform.fetch_items(request=fetch.request, context=context, get_json=get_json)
            items_store(platform=platform, source=fetch.source, mapped=mapped, now=now)
    except FetchRefused as exc:
        _dead(fetch, {"api": [str(exc)]})
        return
    except PayloadInvalid as exc:
        _dead(fetch, exc.errors)
        return
    except Exception as exc:  # noqa: BLE001 - an outage, or a fault: try again later
        if not isinstance(exc, FetchUnavailable):
            log.exception("Fetch %s failed unexpectedly", fetch.pk)
        fetch.attempts += 1
        fetch.last_error = (str(exc) or type(exc).__name__)[:2000]
        fetch.next_attempt_at = now + retry_delay(fetch.attempts)
        fetch.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        return
    fetch.status = PendingFetch.Status.DONE
    fetch.attempts += 1
    fetch.done_at = now
    fetch.last_error = ""
    fetch.save(update_fields=["status", "attempts", "done_at", "last_error"])


def _dead(fetch: PendingFetch, errors: dict) -> None:
    DeadLetter.objects.create(
        source=fetch.source,
        platform=fetch.platform,
        reason=errors,
        body=json.dumps({"pending_fetch": fetch.pk, **fetch.request}).encode(),
        headers={"X-Fetched": "1"},
    )
    fetch.status = PendingFetch.Status.DEAD
    fetch.attempts += 1
    fetch.last_error = json.dumps(errors, ensure_ascii=False)[:2000]
    fetch.save(update_fields=["status", "attempts", "last_error"])


def pending_fetches_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(
        PendingFetch.objects.filter(status=PendingFetch.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
