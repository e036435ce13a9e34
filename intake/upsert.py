"""One answer, many deliveries: platforms send created → updated (→ finished), one delivery
per question, and retries, all for one platform response id. They upsert one Response.

A new id goes through the ingestion batch engine as a batch of one; a known
id is updated in place: a later comment fills the comment (the ticket shows the response's
comment), a changed score re-classifies the answer. A delivery whose version (the platform's
updated-at or count) is older than the stored one's is a late retry and changes nothing.
A ticket opened for a score later raised out of detractor range is kept and the change noted
on its timeline; a score lowered into detractor range opens (or joins) a ticket.
The REST API keeps its 409 for replays with a different score: only platform deliveries come
through here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.batch import response_store
from intake.services import ResponseData
from surveys.models import Category, Customer, IngestionSource, Response


@dataclass
class UpsertResult:
    response: Response
    created: bool
    changed: tuple[str, ...] = ()

    @property
    def duplicate(self) -> bool:
        return not self.created and not self.changed


def _older(new: dict | None, stored: dict | None) -> bool:
    """A delivery older than the stored one (platform retries arrive out of order): its
    version (updated-at or count, set by the platform module) is below the stored one's."""
    new_version = (new or {}).get("version")
    stored_version = (stored or {}).get("version")
    numbers = (int, float)
    return (
        isinstance(new_version, numbers)
        and isinstance(stored_version, numbers)
        and new_version < stored_version
    )


def platform_answer_upsert(
    *, source: IngestionSource, data: ResponseData, now: dt.datetime | None = None
) -> UpsertResult:
    from tickets.services.lifecycle import ticket_open_or_attach

    now = now or timezone.now()
    with transaction.atomic():
        existing = (
            Response.objects.select_for_update()
            .filter(source=source, external_id=data.external_id)
            .first()
        )
        if existing is None:
            # stored meanwhile by another delivery: a duplicate or conflict, updated below
            outcome = response_store(source=source, data=data, now=now)
            if outcome.created:
                return UpsertResult(response=outcome.response, created=True)
            existing = Response.objects.select_for_update().get(pk=outcome.response.pk)
        if _older(data.metadata, existing.metadata):
            return UpsertResult(response=existing, created=False)
        changed: list[str] = []
        if data.comment and data.comment != existing.comment:
            existing.comment = data.comment
            changed.append("comment")
        if data.metadata:
            merged = {**(existing.metadata or {}), **data.metadata}
            if merged != existing.metadata:
                existing.metadata = merged
                changed.append("metadata")
        old_score, old_category = existing.score, existing.category
        if data.score != existing.score:
            existing.score = data.score
            existing.category = existing.survey.categorize(data.score)
            changed += ["score", "category"]
        if not changed:
            return UpsertResult(response=existing, created=False)
        existing.save(update_fields=changed)
        ticket = existing.ticket
        if "score" in changed and ticket is not None:
            _platform_note(
                ticket,
                existing,
                now,
                _("The platform changed the score from %(old)d to %(new)d.")
                % {"old": old_score, "new": existing.score},
                score_changed={"from": old_score, "to": existing.score},
                category=existing.category,
            )
        if "comment" in changed and ticket is not None:
            _platform_note(
                ticket,
                existing,
                now,
                _("The customer added a comment: %(comment)s") % {"comment": existing.comment},
            )
        if (
            ticket is None
            and existing.category == Category.DETRACTOR
            and old_category != Category.DETRACTOR
        ):
            Customer.objects.select_for_update().get(pk=existing.customer_id)
            ticket_open_or_attach(response=existing, now=now)
        return UpsertResult(response=existing, created=False, changed=tuple(changed))


def _platform_note(ticket, response: Response, now: dt.datetime, note: str, **data) -> None:
    """An automatic timeline note on the answer's ticket: what a later delivery changed."""
    from tickets.events import event_record
    from tickets.models import TicketEvent

    event_record(
        ticket=ticket,
        kind=TicketEvent.Kind.NOTE,
        data={"automatic": True, "response": response.pk, **data, "note": note},
        at=now,
    )
