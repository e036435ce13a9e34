"""Reads for the staff pages: queue rows, the ticket page, the dashboard.

Each function runs a fixed number of queries whatever the data volume.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from reports.selectors import Period, clock_breached_q, clock_met_q, sla_report
from surveys.models import Response
from tickets.models import (
    OPEN_STATUSES,
    ContactAttempt,
    Resolution,
    SlaClock,
    Team,
    Ticket,
    TicketEvent,
)
from web.scope import teams_managed_by, tickets_in_scope

QUEUE_VIEWS = ("mine", "team", "all")
SLA_FILTERS = ("running", "at_risk", "breached", "paused")


def _unmet_clocks() -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(ticket=OuterRef("pk"), met_at__isnull=True)


def sla_filter_q(state: str, now: dt.datetime) -> Q:
    """Ticket-level SLA state: the worst of its unmet clocks."""
    unmet = _unmet_clocks()
    breached = Exists(
        unmet.filter(Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lte=now))
    )
    at_risk = Exists(
        unmet.filter(
            breached_at__isnull=True, paused_at__isnull=True, warn_at__lte=now, due_at__gt=now
        )
    )
    running = Exists(
        unmet.filter(breached_at__isnull=True, paused_at__isnull=True, warn_at__gt=now)
    )
    paused = Exists(unmet.filter(paused_at__isnull=False))
    if state == "breached":
        return Q(breached)
    if state == "at_risk":
        return Q(at_risk) & ~Q(breached)
    if state == "running":
        return Q(running) & ~Q(at_risk) & ~Q(breached)
    return Q(paused) & ~Q(running) & ~Q(at_risk) & ~Q(breached)


def queue_base(*, user, view: str) -> QuerySet[Ticket]:
    scope = tickets_in_scope(user)
    if view == "mine":
        return scope.filter(assignee=user)
    if view == "team":
        return scope.filter(team__in=Team.objects.filter(members=user).values("pk"))
    if view == "all":
        return scope.filter(team__in=teams_managed_by(user).values("pk"))
    raise Http404


def queue_filtered(*, user, view: str, filters: dict, now: dt.datetime) -> QuerySet[Ticket]:
    qs = queue_base(user=user, view=view)
    status = filters.get("status")
    if status == "open" or not status:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status != "any":
        qs = qs.filter(status=status)
    if filters.get("priority"):
        qs = qs.filter(priority=filters["priority"])
    if filters.get("survey"):
        qs = qs.filter(origin_response__survey=filters["survey"])
    if filters.get("segment"):
        qs = qs.filter(customer__segment=filters["segment"])
    if filters.get("team"):
        qs = qs.filter(team=filters["team"])
    if filters.get("sla"):
        qs = qs.filter(sla_filter_q(filters["sla"], now))
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(customer__name__icontains=text)
            | Q(customer__email__icontains=text)
            | Q(origin_response__comment__icontains=text)
        )
    return qs


def queue_annotated(qs: QuerySet[Ticket], *, view: str) -> QuerySet[Ticket]:
    nearest = _unmet_clocks().filter(paused_at__isnull=True).order_by("due_at")
    qs = qs.annotate(
        next_due_at=Subquery(nearest.values("due_at")[:1]),
        next_warn_at=Subquery(nearest.values("warn_at")[:1]),
        next_clock_kind=Subquery(nearest.values("kind")[:1]),
        paused_clocks=Exists(_unmet_clocks().filter(paused_at__isnull=False)),
    ).select_related("customer", "origin_response", "assignee", "team")
    order = [F("next_due_at").asc(nulls_last=True), "-priority_rank", "created_at", "pk"]
    if view == "team":
        qs = qs.annotate(
            unassigned=Case(
                When(assignee__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.insert(0, "unassigned")
    return qs.order_by(*order)


def queue_page(*, user, view: str, filters: dict, page: int | str, per_page: int = 25, now=None):
    now = now or timezone.now()
    qs = queue_annotated(queue_filtered(user=user, view=view, filters=filters, now=now), view=view)
    return Paginator(qs, per_page).get_page(page)


def ticket_for(*, user, pk: int) -> Ticket:
    """The ticket within the user's scope, else 404."""
    try:
        from tickets.selectors import ticket_detail
    except ImportError:  # until the queue selectors are merged
        ticket_detail = None
    if ticket_detail is not None:
        return ticket_detail(user=user, pk=pk)
    qs = tickets_in_scope(user).select_related(
        "customer", "origin_response__survey", "assignee", "team", "sla_policy"
    )
    ticket = qs.filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


@dataclass
class TicketPage:
    ticket: Ticket
    clocks: list
    events: list
    contacts: list
    resolutions: list
    attached: list
    history: list
    previous_tickets: list


def ticket_page(*, ticket: Ticket) -> TicketPage:
    customer_id = ticket.customer_id
    responses = list(
        Response.objects.filter(customer_id=customer_id)
        .select_related("survey")
        .order_by("-responded_at")[:30]
    )
    return TicketPage(
        ticket=ticket,
        clocks=list(ticket.clocks.order_by("kind")),
        events=list(
            TicketEvent.objects.filter(ticket=ticket)
            .select_related("actor")
            .order_by("-at", "-id")[:200]
        ),
        contacts=list(
            ContactAttempt.objects.filter(ticket=ticket)
            .select_related("by")
            .order_by("-occurred_at")
        ),
        resolutions=list(
            Resolution.objects.filter(ticket=ticket).select_related(
                "code", "root_cause__parent", "resolved_by"
            )
        ),
        attached=[r for r in responses if r.ticket_id == ticket.pk],
        history=[r for r in responses if r.ticket_id != ticket.pk],
        previous_tickets=list(
            Ticket.objects.filter(customer_id=customer_id)
            .exclude(pk=ticket.pk)
            .order_by("-created_at")[:20]
        ),
    )


def assignable_users(
    *, team: Team | None = None, teams: QuerySet[Team] | None = None
) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True)
    if team is not None:
        qs = qs.filter(Q(teams=team) | Q(managed_teams=team))
    elif teams is not None:
        qs = qs.filter(Q(teams__in=teams) | Q(managed_teams__in=teams))
    return qs.distinct().order_by("first_name", "last_name", "username")


def customer_local_time(ticket: Ticket, now: dt.datetime) -> tuple[dt.datetime | None, bool]:
    """(customer's local time, is the team's contact window open now)."""
    try:
        from tickets.selectors import customer_contact_window
    except ImportError:
        customer_contact_window = None
    if customer_contact_window is not None:
        window = customer_contact_window(ticket=ticket, now=now)
        return getattr(window, "local_time", None), bool(getattr(window, "is_open", True))
    tz_name = ticket.customer.time_zone
    if not tz_name:
        return None, True
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(tz_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None, True
    start, end = ticket.team.contact_window_start, ticket.team.contact_window_end
    return local, start <= local.time() < end


# --- dashboard -----------------------------------------------------------------------


def dashboard_data(
    *, user, teams: QuerySet[Team], team: Team | None, survey, segment, period: Period, now=None
) -> dict:
    from reports.selectors import nps_report

    now = now or timezone.now()
    scope = tickets_in_scope(user).filter(team__in=teams.values("pk"))
    if team is not None:
        scope = scope.filter(team=team)
    if survey is not None:
        scope = scope.filter(origin_response__survey=survey)
    if segment:
        scope = scope.filter(customer__segment=segment)
    open_tickets = scope.filter(status__in=OPEN_STATUSES)
    by_state = open_tickets.aggregate(
        breached=Count("pk", filter=sla_filter_q("breached", now)),
        at_risk=Count("pk", filter=sla_filter_q("at_risk", now)),
        running=Count("pk", filter=sla_filter_q("running", now)),
        paused=Count("pk", filter=sla_filter_q("paused", now)),
        total=Count("pk"),
    )
    at_risk = list(
        queue_annotated(
            open_tickets.filter(sla_filter_q("at_risk", now) | sla_filter_q("breached", now)),
            view="all",
        )[:15]
    )
    local_now = timezone.localtime(now)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - dt.timedelta(days=day_start.weekday())
    clocks = SlaClock.objects.filter(ticket__in=scope.values("pk"))
    breaches = clocks.aggregate(
        today=Count(
            "pk",
            filter=Q(breached_at__gte=day_start)
            | Q(
                breached_at__isnull=True,
                met_at__isnull=True,
                paused_at__isnull=True,
                due_at__gte=day_start,
                due_at__lte=now,
            ),
        ),
        week=Count(
            "pk",
            filter=Q(breached_at__gte=week_start)
            | Q(
                breached_at__isnull=True,
                met_at__isnull=True,
                paused_at__isnull=True,
                due_at__gte=week_start,
                due_at__lte=now,
            ),
        ),
    )
    in_period = scope
    if period.start:
        in_period = in_period.filter(created_at__gte=period.start)
    if period.end:
        in_period = in_period.filter(created_at__lt=period.end)
    agents = list(
        User.objects.filter(assigned_tickets__in=scope.values("pk"))
        .annotate(
            open_count=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__status__in=OPEN_STATUSES),
                distinct=True,
            ),
            met=Count(
                "assigned_tickets__clocks",
                filter=clock_met_q("assigned_tickets__clocks__")
                & Q(assigned_tickets__in=in_period.values("pk")),
            ),
            breached=Count(
                "assigned_tickets__clocks",
                filter=clock_breached_q(now, "assigned_tickets__clocks__")
                & Q(assigned_tickets__in=in_period.values("pk")),
            ),
        )
        .order_by("-open_count", "username")[:30]
    )
    for agent in agents:
        decided = agent.met + agent.breached
        agent.compliance = round(agent.met * 100 / decided) if decided else None
    resolutions = Resolution.objects.filter(ticket__in=scope.values("pk"))
    if period.start:
        resolutions = resolutions.filter(resolved_at__gte=period.start)
    if period.end:
        resolutions = resolutions.filter(resolved_at__lt=period.end)
    pareto_rows = list(
        resolutions.values(
            "root_cause__name",
            "root_cause__parent__name",
            "ticket__team__name",
            "resolved_by__username",
        )
        .annotate(n=Count("pk"))
        .order_by("-n")[:500]
    )
    recovery = in_period.aggregate(
        n_recovered=Count("pk", filter=Q(recovered=True)),
        n_rerated=Count("pk", filter=Q(recovered__isnull=False)),
    )
    sla = sla_report(period=period, base=scope)
    durations = in_period.aggregate(
        **{
            f"fc_{i}": Count("pk", filter=_bucket_q("first_contacted_at", lo, hi))
            for i, (lo, hi) in enumerate(DURATION_BUCKETS)
        },
        **{
            f"res_{i}": Count("pk", filter=_bucket_q("resolved_at", lo, hi))
            for i, (lo, hi) in enumerate(DURATION_BUCKETS)
        },
    )
    nps = nps_report(survey=survey, segment=segment, period=period, interval="week")
    return {
        "by_state": by_state,
        "at_risk": at_risk,
        "breaches": breaches,
        "agents": agents,
        "pareto": _pareto(pareto_rows),
        "recovery": {
            "recovered": recovery["n_recovered"],
            "rerated": recovery["n_rerated"],
            "rate": round(recovery["n_recovered"] * 100 / recovery["n_rerated"])
            if recovery["n_rerated"]
            else None,
        },
        "sla": sla,
        "fc_hist": [durations[f"fc_{i}"] for i in range(len(DURATION_BUCKETS))],
        "res_hist": [durations[f"res_{i}"] for i in range(len(DURATION_BUCKETS))],
        "nps": nps,
        "now": now,
    }


HOUR = 3600
DURATION_BUCKETS = [
    (0, HOUR),
    (HOUR, 4 * HOUR),
    (4 * HOUR, 24 * HOUR),
    (24 * HOUR, 72 * HOUR),
    (72 * HOUR, 7 * 24 * HOUR),
    (7 * 24 * HOUR, None),
]


def _bucket_q(field: str, lo: int, hi: int | None) -> Q:
    q = Q(**{f"{field}__gte": F("created_at") + dt.timedelta(seconds=lo)})
    if hi is not None:
        q &= Q(**{f"{field}__lt": F("created_at") + dt.timedelta(seconds=hi)})
    return q


def _pareto(rows: list[dict]) -> dict:
    """Root causes sorted by count with the running share; also split by team and agent."""

    def label(row):
        name = row["root_cause__name"]
        if name is None:
            return ""
        parent = row["root_cause__parent__name"]
        return f"{parent} → {name}" if parent else name

    totals: dict[str, int] = {}
    by_team: dict[str, dict[str, int]] = {}
    by_agent: dict[str, dict[str, int]] = {}
    for row in rows:
        cause = label(row)
        totals[cause] = totals.get(cause, 0) + row["n"]
        team = row["ticket__team__name"] or ""
        agent = row["resolved_by__username"] or ""
        by_team.setdefault(team, {}).setdefault(cause, 0)
        by_team[team][cause] += row["n"]
        by_agent.setdefault(agent, {}).setdefault(cause, 0)
        by_agent[agent][cause] += row["n"]
    total = sum(totals.values())
    running = 0
    items = []
    for cause, n in sorted(totals.items(), key=lambda kv: -kv[1]):
        running += n
        items.append(
            {"cause": cause, "n": n, "cumulative": round(running * 100 / total) if total else 0}
        )

    def top(d):
        return sorted(
            ((k, sorted(v.items(), key=lambda kv: -kv[1])[:3]) for k, v in d.items()),
            key=lambda kv: kv[0],
        )

    return {"items": items[:12], "total": total, "by_team": top(by_team), "by_agent": top(by_agent)}
