"""Reads about tickets: who may see what, the queue, one ticket, the customer's hours."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q

from sla.models import SlaClock
from surveys.models import Response

# --- the queue ------------------------------------------------------------------------


SLA_STATES = (SlaClock.State.RUNNING, SlaClock.State.AT_RISK, SlaClock.State.BREACHED)


def sla_state_q(state: str) -> Q:
    """The worst state of a ticket's open clocks: breached > at_risk > running.

    Reads Ticket.sla_state, which sla.clocks keeps whenever a clock changes."""
    if state in SLA_STATES:
        return Q(sla_state=state)
    return Q(pk__in=[])


def reference_pk(text: str) -> int | None:
    """'FD-123', 'fd123', '#123' or '123' → 123."""
    prefix = re.escape(settings.TICKET_PREFIX)
    match = re.fullmatch(rf"\s*(?:{prefix}-?|#)?(\d{{1,18}})\s*", text, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def search_q(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    comments = Response.objects.filter(ticket=OuterRef("pk"), comment__icontains=text)
    q = (
        Q(customer__name__icontains=text)
        | Q(customer__email__icontains=text)
        | Q(customer__external_id__iexact=text)
        | Q(origin_response__comment__icontains=text)
        | Q(Exists(comments))
    )
    pk = reference_pk(text)
    if pk is not None and pk <= MAX_ID:
        q |= Q(pk=pk)
    return q


# "due" = Ticket.next_due_at, the nearest deadline of a running clock (kept by sla.clocks);
# indexes (assignee|team, status, next_due_at) serve the queue's views.
ORDERINGS = {
    "due": (F("next_due_at").asc(nulls_last=True), "-priority_rank", "created_at", "pk"),
    "-due": (F("next_due_at").desc(nulls_last=True), "-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "priority": ("priority_rank", "created_at", "pk"),
    "-priority": ("-priority_rank", "created_at", "pk"),
}


MAX_ID = 2**63 - 1


def valid_id(value) -> int | None:
    """An id the database can compare (bigint), or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None
