"""The ingestion batch engine: N answers in one transaction, with set-wise statements.

Every way in (REST single and bulk, webhooks, file import) hands its validated answers
here. The results are those of intake.services.response_ingest called answer by answer in
the batch's order (tests/ingestion/test_batch_differential.py proves it), at a cost that
grows with the batch in rows, not in statements:

1. one look-up of the (source, external_id) pairs already stored: replays and 409
   conflicts, also between answers of the same batch;
2. the customers: one `= ANY` read that locks them in id order, the upsert decisions
   replayed in memory, one INSERT … ON CONFLICT DO NOTHING RETURNING for the new ones
   (sorted, so concurrent batches queue instead of deadlocking) and one UPDATE per set
   of changed attributes;
3. the detractors' tickets decided (intake/batch_tickets.py), ids reserved for the new
   answers and tickets, so each row is written once, already pointing at the others;
4. the answers: one INSERT … ON CONFLICT (source, external_id) DO NOTHING RETURNING;
5. the tickets with their clocks and timeline, and the outbox rows.

A batch that loses a race (a customer or an answer inserted meanwhile by another
transaction) is retried from a savepoint; after RETRIES it, or a batch the database
refuses for any other reason, goes through the one-answer path item by item, each in its
own savepoint, so no answer is lost and a bad one costs only itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, OperationalError, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_desk.unsaved import unsaved
from intake.batch_sql import (
    ROWS_PER_STATEMENT,
    LostRace,
    any_of,
    chunks,
    ids_reserve,
    insert_ignore_returning,
)
from intake.batch_tickets import TicketPlan
from intake.services import (
    CUSTOMER_ATTRIBUTES,
    CustomerData,
    DuplicateConflict,
    ResponseData,
    response_ingest,
)
from notifications.models import Delivery
from notifications.services import OutboxBatch, dispatch_many_after_commit
from surveys.models import Category, Customer, IngestionSource, Response

log = logging.getLogger(__name__)

CREATED, DUPLICATE, CONFLICT, ERROR = "created", "duplicate", "conflict", "error"
RETRIES = 3
CUSTOMER_COLUMNS = ("external_id", "email", *CUSTOMER_ATTRIBUTES, "created_at", "updated_at")
RESPONSE_COLUMNS = (
    "id",
    "survey",
    "customer",
    "source",
    "external_id",
    "score",
    "category",
    "comment",
    "channel",
    "responded_at",
    "received_at",
    "metadata",
    "ticket",
)


@dataclass
class ItemResult:
    """What happened to one item: created, duplicate (a replay), conflict (stored before
    with another score or survey; `response` is the stored one) or error."""

    status: str
    response: Response | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflict: DuplicateConflict | None = None

    @property
    def created(self) -> bool:
        return self.status == CREATED

    @property
    def duplicate(self) -> bool:
        return self.status == DUPLICATE

    @property
    def ticket_id(self) -> int | None:
        return self.response.ticket_id if self.response is not None else None


def _errors_of(item) -> dict[str, list[str]]:
    errors = getattr(item, "errors", None)
    if isinstance(errors, dict):
        return errors
    return {"non_field_errors": [str(item)]}


def responses_ingest_batch(
    *,
    source: IngestionSource,
    items: Sequence,
    now: dt.datetime | None = None,
    ticket_cutoff: dt.datetime | None = None,
) -> list[ItemResult]:
    """Stores a batch of answers (ResponseData; anything else, e.g. a validation error,
    is reported back as that item's error) in one transaction. One result per item.

    With ticket_cutoff, an answer given before it is stored and counted (NPS) but opens,
    extends or reopens no ticket: response_ingest(open_ticket=False) for old history."""
    now = now or timezone.now()
    results: list[ItemResult | None] = [None] * len(items)
    indexes = []
    for index, item in enumerate(items):
        if isinstance(item, ResponseData):
            indexes.append(index)
        else:
            results[index] = ItemResult(ERROR, errors=_errors_of(item))
    if not indexes:
        return results
    with collector_paused(), transaction.atomic():
        for _attempt in range(RETRIES):
            try:
                with transaction.atomic():
                    done = _set_wise(source, items, indexes, now, ticket_cutoff)
                break
            except (LostRace, OperationalError):  # a lost race or a deadlock: again
                continue
            except DatabaseError as exc:
                log.warning("batch of %s refused set-wise (%s); one by one", len(indexes), exc)
                done = None
                break
        else:
            done = None
        if done is None:
            done = {index: _one(source, items[index], now, ticket_cutoff) for index in indexes}
    for index, result in done.items():
        results[index] = result
    return results


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """A batch allocates some fifty objects per answer that all live until it ends; the
    cyclic garbage collector would walk them again at every few hundred allocations
    (10–25 % of the engine's time). Paused for the batch, it runs afterwards as usual;
    a batch's memory is bounded by its size."""
    if not gc.isenabled():  # paused already (a batch inside a batch, or the caller)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def response_store(
    *, source: IngestionSource, data: ResponseData, now: dt.datetime | None = None
) -> ItemResult:
    """One answer as a batch of one (a platform's delivery, a re-rate link): created,
    duplicate or conflict. An answer the database refused raises, as the one-row service
    did, so that the caller's transaction and the platform's retry decide."""
    (result,) = responses_ingest_batch(source=source, items=[data], now=now)
    if result.status == ERROR:
        raise DatabaseError(f"answer {data.external_id} could not be stored")
    return result


def _opens_ticket(responded_at: dt.datetime, cutoff: dt.datetime | None) -> bool:
    return cutoff is None or responded_at >= cutoff


def _one(
    source: IngestionSource, data: ResponseData, now: dt.datetime, cutoff: dt.datetime | None
) -> ItemResult:
    """The one-answer path, in its own savepoint."""
    try:
        with transaction.atomic():
            outcome = response_ingest(
                source=source,
                data=data,
                now=now,
                open_ticket=_opens_ticket(data.responded_at, cutoff),
            )
    except DuplicateConflict as exc:
        return ItemResult(CONFLICT, response=exc.existing, conflict=exc)
    except DatabaseError as exc:
        log.warning("answer %s could not be stored: %s", data.external_id, exc)
        return ItemResult(
            ERROR, errors={"non_field_errors": [_("Could not be stored; retry this item.")]}
        )
    return ItemResult(CREATED if outcome.created else DUPLICATE, response=outcome.response)


def _compare(data: ResponseData, stored: Response) -> ItemResult:
    if stored.score != data.score or stored.survey_id != data.survey.pk:
        conflict = DuplicateConflict(stored)
        return ItemResult(CONFLICT, response=stored, conflict=conflict)
    return ItemResult(DUPLICATE, response=stored)


def _stored(source: IngestionSource, external_ids: set[str]) -> dict[str, Response]:
    rows = Response.objects.select_related("survey", "customer", "ticket", "source").filter(
        source=source
    )
    found: dict[str, Response] = {}
    for chunk in chunks(sorted(external_ids), ROWS_PER_STATEMENT):
        found.update((r.external_id, r) for r in any_of(rows, "external_id", chunk))
    return found


def _set_wise(
    source, items, indexes: list[int], now: dt.datetime, cutoff: dt.datetime | None
) -> dict[int, ItemResult]:
    done: dict[int, ItemResult] = {}
    stored = _stored(source, {items[i].external_id for i in indexes})
    first: dict[str, int] = {}
    fresh: list[int] = []
    repeats: list[int] = []
    for index in indexes:
        data = items[index]
        if data.external_id in stored:
            done[index] = _compare(data, stored[data.external_id])
        elif data.external_id in first:
            repeats.append(index)
        else:
            first[data.external_id] = index
            fresh.append(index)
    customers = customers_resolve([items[i].customer for i in fresh])
    responses: dict[int, Response] = {}
    for index, customer in zip(fresh, customers, strict=True):
        data = items[index]
        responses[index] = data.response_for(customer=customer, source=source)
    ordered = sorted(responses.values(), key=lambda r: r.external_id)
    for response, pk in zip(ordered, ids_reserve(Response, len(ordered)), strict=True):
        response.pk = pk
    tickets = TicketPlan(
        [
            responses[i]
            for i in fresh
            if responses[i].category == Category.DETRACTOR
            and _opens_ticket(responses[i].responded_at, cutoff)
        ],
        now,
    )
    inserted = insert_ignore_returning(Response, ordered, RESPONSE_COLUMNS, ("id",))
    if len(inserted) != len(ordered):
        raise LostRace()
    for response in ordered:
        response._state.adding = False
        response._state.db = "default"
    outbox = OutboxBatch()
    tickets.write(outbox)
    _outbox_write(outbox)
    for index in fresh:
        done[index] = ItemResult(CREATED, response=responses[index])
    for index in repeats:
        done[index] = _compare(items[index], responses[first[items[index].external_id]])
    return done


def _outbox_write(outbox: OutboxBatch) -> None:
    """OutboxBatch.write with one INSERT … ON CONFLICT DO NOTHING RETURNING id; rows an
    earlier call already queued are picked up by the outbox's own look-up."""
    rows, outbox.rows = outbox.rows, []
    if not rows:
        return
    names = [f.name for f in Delivery._meta.concrete_fields if not f.primary_key]
    ids = [pk for (pk,) in insert_ignore_returning(Delivery, rows, names, ("id",))]
    if len(ids) != len(rows):
        outbox.rows = rows  # some were there already: the outbox's slower, exact path
        outbox.write()
        return
    dispatch_many_after_commit(sorted(ids))


# --- customers ---------------------------------------------------------------------------


def _email_key(email: str | None) -> str | None:
    return email.lower() if email else None


class _Index:
    """The customers a batch can match, as intake.services._customer_find sees them."""

    def __init__(self, known: list[Customer]) -> None:
        self.by_external: dict[str, Customer] = {}
        self.by_email: dict[str, list[Customer]] = defaultdict(list)
        self.order: dict[int, tuple] = {}
        for customer in known:  # in id order
            self.add(customer)

    def add(self, customer: Customer) -> None:
        self.order[id(customer)] = (customer.pk is None, customer.pk or len(self.order))
        if customer.external_id:
            self.by_external[customer.external_id] = customer
        if customer.email:
            self.email_add(customer)

    def email_add(self, customer: Customer) -> None:
        group = self.by_email[customer.email]
        group.append(customer)
        group.sort(key=lambda c: self.order[id(c)])

    def find(self, data: CustomerData) -> Customer | None:
        if data.external_id:
            found = self.by_external.get(data.external_id)
            if found or not data.email:
                return found
            group = self.by_email.get(_email_key(data.email), [])
            return next((c for c in group if not c.external_id), None)
        group = self.by_email.get(_email_key(data.email), [])
        return group[0] if group else None


def customers_resolve(datas: list[CustomerData]) -> list[Customer]:
    """intake.services.customer_upsert for each item, in order, with set-wise writes."""
    if not datas:
        return []
    externals = sorted({d.external_id for d in datas if d.external_id})
    emails = sorted({_email_key(d.email) for d in datas if d.email})
    known: dict[int, Customer] = {}
    step = ROWS_PER_STATEMENT // 2
    for start in range(0, max(len(externals), len(emails)), step):
        matching = any_of(
            Customer.objects.select_for_update().order_by("pk"),
            "external_id",
            externals[start : start + step],
            or_field="email",
            or_values=emails[start : start + step],
        )
        for customer in matching:
            known[customer.pk] = customer
    index = _Index([known[pk] for pk in sorted(known)])
    changed: dict[int, set[str]] = defaultdict(set)
    pending: list[Customer] = []
    found: list[Customer] = []
    for data in datas:
        customer = index.find(data)
        if customer is None:
            customer = unsaved(
                Customer,
                None,
                external_id=data.external_id or None,
                email=(data.email or "").strip().lower() or None,
                **{k: v for k, v in data.attributes.items() if v not in (None, "")},
            )
            pending.append(customer)
            index.add(customer)
            found.append((customer, _snapshot(customer)))
            continue
        fields = changed[id(customer)] if customer.pk else set()
        if data.external_id and not customer.external_id:
            customer.external_id = data.external_id
            index.by_external[data.external_id] = customer
            fields.add("external_id")
        if data.email and not customer.email:
            customer.email = data.email.strip().lower()
            index.email_add(customer)
            fields.add("email")
        for name in CUSTOMER_ATTRIBUTES:
            value = data.attributes.get(name)
            if value not in (None, "") and getattr(customer, name) != value:
                setattr(customer, name, value)
                fields.add(name)
        found.append((customer, _snapshot(customer)))
    _customers_insert(pending)
    _customers_update([c for c in known.values() if changed.get(id(c))], changed)
    # Each answer sees its customer as it was right after its own upsert (routing and
    # the notification read the segment, locale and name of that moment).
    for customer, seen in found:
        seen.pk = customer.pk
        seen._state.adding = False
        seen._state.db = "default"
    return [seen for _customer, seen in found]


def _snapshot(customer: Customer) -> Customer:
    """copy.copy(customer) without the pickling protocol (its __reduce_ex__ costs more than
    everything else the batch does with a customer)."""
    seen = Customer.__new__(Customer)
    seen.__dict__ = customer.__dict__.copy()
    state = seen._state = ModelState()
    state.db, state.adding = customer._state.db, customer._state.adding
    state.fields_cache = dict(customer._state.fields_cache)
    return seen


def _customers_insert(pending: list[Customer]) -> None:
    if not pending:
        return
    pending.sort(key=lambda c: (c.external_id or "", c.email or ""))
    rows = insert_ignore_returning(
        Customer, pending, CUSTOMER_COLUMNS, ("id", "external_id", "email")
    )
    ids = {(external_id, None if external_id else email): pk for pk, external_id, email in rows}
    for customer in pending:
        key = (customer.external_id, None if customer.external_id else customer.email)
        if key not in ids:
            raise LostRace()
        customer.pk = ids[key]
        customer._state.adding = False
        customer._state.db = "default"


def _customers_update(customers: list[Customer], changed: dict[int, set[str]]) -> None:
    """One UPDATE per set of changed attributes (a customer's other columns untouched)."""
    groups: dict[frozenset, list[Customer]] = defaultdict(list)
    moment = timezone.now()
    for customer in customers:
        customer.updated_at = moment
        groups[frozenset(changed[id(customer)])].append(customer)
    for names, group in groups.items():
        Customer.objects.bulk_update(group, [*sorted(names), "updated_at"])
