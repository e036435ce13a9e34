"""Re-processing kept deliveries after an administrator fixed the source's mapping or survey.

The delivery's signature was checked when it arrived; re-processing maps the same raw body
again with the source's current settings. Success stores the answer (upserting as usual) and
marks the letter processed; a delivery that still cannot be mapped stays pending with the new
reason, so nothing is ever dropped by a re-run.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone

from intake.models import DeadLetter, PendingFetch
from intake.platforms import platform_get
from intake.platforms.base import PayloadInvalid


def dead_letter_reprocess(*, letter: DeadLetter, now: dt.datetime | None = None) -> bool:
    """Returns True when the delivery is now processed."""
    from intake.webhooks import delivery_process

    now = now or timezone.now()
    platform = platform_get(letter.platform)
    try:
        with transaction.atomic():
            if letter.headers.get("X-Fetched"):
                # A fetched answer that could not be mapped: fetch it again.
                request = json.loads(bytes(letter.body))
                PendingFetch.objects.filter(pk=request.get("pending_fetch")).update(
                    status=PendingFetch.Status.PENDING, next_attempt_at=now
                )
                result = {"fetch": request.get("pending_fetch")}
            else:
                outcome = delivery_process(
                    platform=platform, source=letter.source, body=bytes(letter.body), now=now
                )
                result = {
                    "ignored": outcome.ignored,
                    "fetch": outcome.fetch,
                    "responses": [r["id"] for r in outcome.results],
                }
            letter.status = DeadLetter.Status.PROCESSED
            letter.processed_at = now
            letter.result = result
            letter.save(update_fields=["status", "processed_at", "result"])
    except PayloadInvalid as exc:
        letter.reason = exc.errors
        letter.save(update_fields=["reason"])
        return False
    return True


def dead_letters_reprocess(*, letters, now: dt.datetime | None = None) -> tuple[int, int]:
    """(processed, still failing) over the pending letters given, oldest first."""
    done = failed = 0
    for letter in letters.filter(status=DeadLetter.Status.PENDING).order_by("received_at"):
        if dead_letter_reprocess(letter=letter, now=now):
            done += 1
        else:
            failed += 1
    return done, failed
