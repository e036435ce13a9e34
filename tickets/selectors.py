"""Reads about tickets: who may see what, the queue, one ticket, the customer's hours."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ROLE_ADMIN
from sla.models import SlaClock
from surveys.models import Response
from tickets.models import ContactAttempt, Resolution, Team, Ticket, TicketEvent
from tickets.models.contacts import OUTCOMES_BY_CHANNEL
from tickets.queries import valid_id

# --- who may see what ---------------------------------------------------------------


def user_is_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_fd_is_admin", None)
    if cached is None:
        cached = user.groups.filter(name=ROLE_ADMIN).exists()
        user._fd_is_admin = cached
    return cached


def teams_worked_by(user) -> QuerySet[Team]:
    """Teams whose tickets the user may see: member or manager (all teams for admins)."""
    if user_is_admin(user):
        return Team.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Team.objects.none()
    return Team.objects.filter(Q(members=user) | Q(manager=user)).distinct()


def teams_managed_by(user) -> QuerySet[Team]:
    if user_is_admin(user):
        return Team.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Team.objects.none()
    return Team.objects.filter(manager=user)


def user_can_manage(user, team: Team) -> bool:
    """Managers move and reassign freely within the teams they manage; admins everywhere."""
    if user is None:
        return True  # the system itself (routing, escalation)
    return user_is_admin(user) or team.manager_id == user.pk


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """Agents: tickets of their teams; managers: also of teams they manage; admins: all.

    Use it as the admin's get_queryset too, so scope is the same everywhere.
    """
    if user_is_admin(user):
        return Ticket.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    team_ids = Team.objects.filter(Q(members=user) | Q(manager=user)).values("pk")
    return Ticket.objects.filter(team_id__in=team_ids)


def responses_visible_to(user, *, teams: QuerySet[Team] | None = None) -> QuerySet[Response]:
    """Answers a user may read (API list, CSV export, a customer's history).

    Admins: all. Other staff: answers attached to a ticket of their teams, plus answers
    without a ticket from customers who have a ticket in one of their teams. An answer
    attached to another team's ticket stays with that team. `teams` narrows further
    (e.g. the teams a manager's dashboard shows).
    """
    if teams is None:
        if user_is_admin(user):
            return Response.objects.all()
        if not getattr(user, "is_authenticated", False):
            return Response.objects.none()
        teams = Team.objects.filter(Q(members=user) | Q(manager=user))
    team_ids = teams.values("pk")
    team_tickets = Ticket.objects.filter(team_id__in=team_ids)
    return Response.objects.filter(
        Q(ticket_id__in=team_tickets.values("pk"))
        | Q(ticket__isnull=True, customer_id__in=team_tickets.values("customer_id"))
    )


def queue_base(user) -> QuerySet[Ticket]:
    """Visible tickets with what a queue row shows, in a constant number of queries.

    Customer and answer are fetched for the page's rows (prefetch), not joined: PostgreSQL
    joins before it sorts for the LIMIT, so a join would cost a lookup per ticket in scope
    (thousands in a team's queue) instead of one per row shown."""
    return (
        tickets_visible_to(user)
        .select_related("team", "assignee")
        .prefetch_related(
            "customer",
            Prefetch("origin_response", queryset=Response.objects.select_related("survey")),
            Prefetch("clocks", queryset=SlaClock.objects.order_by("kind")),
        )
    )


def ticket_queue(*, user, filters: dict) -> QuerySet[Ticket]:
    """The queue as the API and the web UI show it; unknown filter values raise
    django.core.exceptions.ValidationError naming the parameter."""
    from django.utils.datastructures import MultiValueDict

    from tickets.filters import TicketFilter

    if not isinstance(filters, MultiValueDict):
        filters = MultiValueDict(
            {
                k: list(v) if isinstance(v, list | tuple) else [v]
                for k, v in (filters or {}).items()
                if v not in (None, "")
            }
        )
    filterset = TicketFilter(data=filters, queryset=queue_base(user), user=user)
    if not filterset.is_valid():
        from django.core.exceptions import ValidationError

        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


# --- one ticket -----------------------------------------------------------------------


def ticket_detail_queryset(user) -> QuerySet[Ticket]:
    return (
        tickets_visible_to(user)
        .select_related(
            "customer", "team", "assignee", "origin_response__survey", "origin_response__source"
        )
        .prefetch_related(
            Prefetch("clocks", queryset=SlaClock.objects.order_by("kind")),
            Prefetch(
                "responses",
                queryset=Response.objects.select_related("survey", "source").order_by(
                    "responded_at", "pk"
                ),
            ),
            Prefetch(
                "contact_attempts",
                queryset=ContactAttempt.objects.select_related("by").order_by("occurred_at", "pk"),
            ),
            Prefetch(
                "resolutions",
                queryset=Resolution.objects.select_related(
                    "code", "root_cause__parent", "resolved_by"
                ).order_by("-resolved_at", "-pk"),
            ),
            Prefetch(
                "events",
                queryset=TicketEvent.objects.select_related("actor").order_by("at", "pk"),
            ),
        )
    )


def ticket_detail(*, user, pk) -> Ticket:
    """One ticket with everything its page shows; 404 outside the user's scope."""
    try:
        return ticket_detail_queryset(user).get(pk=valid_id(pk))
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def ticket_for_action(*, user, pk) -> Ticket:
    """A ticket the user may act on (same scope as reading); 404 otherwise."""
    try:
        return (
            tickets_visible_to(user)
            .select_related("customer", "team", "assignee", "origin_response__survey")
            .get(pk=valid_id(pk))
        )
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


# --- contacting the customer ----------------------------------------------------------


def customer_zone(customer) -> zoneinfo.ZoneInfo:
    name = customer.time_zone or getattr(settings, "CUSTOMER_DEFAULT_TIME_ZONE", "UTC")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def in_window(local: dt.time, start: dt.time, end: dt.time) -> bool:
    if start == end:
        return True  # a window of the whole day
    if start < end:
        return start <= local < end
    return local >= start or local < end  # over midnight, e.g. 20:00–02:00


def window_next_open(moment_local: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime:
    if in_window(moment_local.timetz().replace(tzinfo=None), start, end):
        return moment_local
    candidate = moment_local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if candidate <= moment_local:
        candidate += dt.timedelta(days=1)
    return candidate


def contact_window_allows(*, ticket: Ticket, at: dt.datetime) -> bool:
    local = at.astimezone(customer_zone(ticket.customer))
    team = ticket.team
    return in_window(local.time(), team.contact_window_start, team.contact_window_end)


def customer_contact_window(*, ticket: Ticket, now: dt.datetime | None = None) -> dict:
    """The customer's local time and whether the team may call them now."""
    now = now or timezone.now()
    zone = customer_zone(ticket.customer)
    local = now.astimezone(zone)
    start, end = ticket.team.contact_window_start, ticket.team.contact_window_end
    open_now = in_window(local.time(), start, end)
    next_open = window_next_open(local, start, end)
    return {
        "time_zone": str(zone.key),
        "time_zone_known": bool(ticket.customer.time_zone),
        "local_time": local.isoformat(),
        "window_start": start.strftime("%H:%M"),
        "window_end": end.strftime("%H:%M"),
        "open_now": open_now,
        "next_open_at": next_open.astimezone(dt.UTC).isoformat(),
    }


def contact_channels(customer) -> list[dict]:
    """All channels, the customer's preferred first, with whether we have the address."""
    from surveys.models import ContactChannel

    reachable = {
        ContactChannel.PHONE: bool(customer.phone),
        ContactChannel.SMS: bool(customer.phone),
        ContactChannel.MESSENGER: bool(customer.phone),
        ContactChannel.EMAIL: bool(customer.email),
        ContactChannel.MEETING: True,
        ContactChannel.OTHER: True,
    }
    channels = [
        {
            "channel": value,
            "label": str(label),
            "preferred": value == customer.preferred_channel,
            "available": reachable.get(value, True),
        }
        for value, label in ContactChannel.choices
    ]
    channels.sort(key=lambda c: not c["preferred"])
    return channels


def contact_outcome_choices(*, channel: str) -> list[dict]:
    """The outcomes that can be recorded on a channel, in the channel's own words in the
    active language: [{"code", "label"}]. Codes are the contract's outcome codes."""
    return [
        {"code": str(code), "label": str(label)}
        for code, label in OUTCOMES_BY_CHANNEL.get(channel, ())
    ]


def contact_outcomes_by_channel() -> dict[str, list[dict]]:
    """Every channel's outcomes (for a form that switches its choices with the channel)."""
    return {
        str(channel): contact_outcome_choices(channel=channel) for channel in OUTCOMES_BY_CHANNEL
    }


def first_contact_pending(*, ticket: Ticket) -> dict | None:
    """For the ticket page's next-step hint: attempts were made but the first-contact clock
    still runs (a "reached customer" policy and nobody reached yet) → {"attempts", "try_by"}
    (the clock's deadline, None when paused); None otherwise. Uses prefetched rows."""
    clock = next((c for c in ticket.clocks.all() if c.kind == "first_contact"), None)
    attempts = len(ticket.contact_attempts.all())
    if clock is None or clock.met_at is not None or not attempts:
        return None
    return {"attempts": attempts, "try_by": None if clock.paused_at else clock.due_at}
