"""Reads for the staff pages: queue rows, the ticket page, the dashboard.

Each function runs a fixed number of queries whatever the data volume.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from reports.selectors import Period
from reports.sla_selectors import TicketScope, period_q, sla_report
from sla.models import SlaClock
from surveys.models import Response
from tickets.models import OPEN_STATUSES, Resolution, Status, Team, Ticket
from tickets.queries import sla_state_q
from tickets.selectors import (
    customer_contact_window,
    first_contact_pending,
    responses_visible_to,
    teams_managed_by,
    ticket_queue,
    tickets_visible_to,
)
from web.dashboard_scope import compliance_note, dashboard_nps, queue_links

QUEUE_VIEWS = ("mine", "team", "all")


def queue_filtered(*, user, view: str, filters: dict, now: dt.datetime | None = None):
    """The queue (tickets.selectors.ticket_queue) narrowed to one of the three views."""
    status = filters.get("status") or "open"
    api_filters = {
        "q": filters.get("q") or "",
        "sla": filters.get("sla") or "",
        "priority": filters.get("priority") or "",
    }
    qs = ticket_queue(user=user, filters=api_filters)
    # status here, not through the filterset: its multiple-choice filter adds a DISTINCT
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status != "any":
        qs = qs.filter(status=status)
    if view == "mine":
        qs = qs.filter(assignee=user)
    elif view == "team":
        qs = qs.filter(team__in=Team.objects.filter(members=user).values("pk"))
    elif view == "all":
        qs = qs.filter(team__in=teams_managed_by(user).values("pk"))
    else:
        raise Http404
    if filters.get("survey"):
        qs = qs.filter(origin_response__survey=filters["survey"])
    if filters.get("segment"):
        qs = qs.filter(customer__segment=filters["segment"])
    if filters.get("team"):
        qs = qs.filter(team=filters["team"])
    return qs


def queue_annotated(qs: QuerySet[Ticket], *, view: str) -> QuerySet[Ticket]:
    """Team view: unassigned first, then nearest deadline (the queue's own order)."""
    if view != "team":
        return qs
    unassigned = Case(
        When(assignee__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(unassigned=unassigned).order_by(
        "unassigned", F("next_due_at").asc(nulls_last=True), "-priority_rank", "created_at", "pk"
    )


def queue_page(*, user, view: str, filters: dict, page: int | str, per_page: int = 25, now=None):
    qs = queue_annotated(queue_filtered(user=user, view=view, filters=filters), view=view)
    return Paginator(qs, per_page).get_page(page)


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
    hidden_answers: int = 0
    hidden_tickets: int = 0
    first_contact_pending: dict | None = None  # attempts made, customer not reached yet


def ticket_page(*, ticket: Ticket, user=None) -> TicketPage:
    """What the ticket page shows besides tickets.selectors.ticket_detail's prefetches.

    The customer's other answers and tickets are limited to what `user` may open; the
    rest (other teams' cases) is only counted."""
    answers = Response.objects.filter(customer_id=ticket.customer_id).exclude(ticket_id=ticket.pk)
    others = Ticket.objects.filter(customer_id=ticket.customer_id).exclude(pk=ticket.pk)
    all_answers, all_tickets = answers, others
    if user is not None:
        answers = answers.filter(pk__in=responses_visible_to(user).values("pk"))
        others = others.filter(pk__in=tickets_visible_to(user).values("pk"))
    history = list(answers.select_related("survey").order_by("-responded_at")[:30])
    previous = list(others.order_by("-created_at")[:20])
    hidden_answers = all_answers.count() - answers.count() if user is not None else 0
    hidden_tickets = all_tickets.count() - others.count() if user is not None else 0
    return TicketPage(
        ticket=ticket,
        clocks=list(ticket.clocks.all()),
        events=list(reversed(ticket.events.all())),
        contacts=list(reversed(ticket.contact_attempts.all())),
        resolutions=list(ticket.resolutions.all()),
        attached=list(ticket.responses.all()),
        history=history,
        previous_tickets=previous,
        hidden_answers=hidden_answers,
        hidden_tickets=hidden_tickets,
        first_contact_pending=first_contact_pending(ticket=ticket),
    )


def assignable_users(*, team: Team | None = None, teams: QuerySet[Team] | None = None):
    qs = User.objects.filter(is_active=True)
    if team is not None:
        qs = qs.filter(Q(teams=team) | Q(managed_teams=team))
    elif teams is not None:
        qs = qs.filter(Q(teams__in=teams) | Q(managed_teams__in=teams))
    return qs.distinct().order_by("first_name", "last_name", "username")


def customer_local_time(ticket: Ticket, now: dt.datetime) -> tuple[str | None, bool]:
    """('HH:MM' in the customer's zone or None when unknown, may we contact them now)."""
    window = customer_contact_window(ticket=ticket, now=now)
    if not window["time_zone_known"]:
        return None, window["open_now"]
    local = dt.datetime.fromisoformat(window["local_time"])
    return local.strftime("%H:%M"), window["open_now"]


def nearest_clock(ticket: Ticket):
    """The unmet, running clock with the nearest deadline, from the prefetched clocks."""
    running = [c for c in ticket.clocks.all() if c.met_at is None and c.paused_at is None]
    if running:
        return min(running, key=lambda c: c.due_at)
    if any(c.met_at is None and c.paused_at is not None for c in ticket.clocks.all()):
        return "paused"
    return None


# --- dashboard -----------------------------------------------------------------------


def dashboard_data(
    *, teams: QuerySet[Team], team: Team | None, survey, segment, period: Period, now=None
) -> dict:
    now = now or timezone.now()
    # The teams come from the view (the ones the user manages), so they are in the
    # user's scope already; the numbers filter on the ticket's own columns.
    scope = TicketScope.of_teams(
        [team] if team is not None else teams,
        survey_id=survey.pk if survey is not None else None,
        segment=segment or None,
    )
    open_tickets = Ticket.objects.filter(scope.q(), status__in=OPEN_STATUSES)
    by_state = open_tickets.aggregate(
        breached=Count("pk", filter=sla_state_q("breached")),
        at_risk=Count("pk", filter=sla_state_q("at_risk")),
        running=Count("pk", filter=sla_state_q("running")),
        paused=Count("pk", filter=Q(status=Status.WAITING_ON_CUSTOMER)),
        total=Count("pk"),
    )
    at_risk = list(
        open_tickets.filter(sla_state__in=[SlaClock.State.AT_RISK, SlaClock.State.BREACHED])
        .select_related("team", "assignee")
        .prefetch_related(  # not joined: see tickets.selectors.queue_base
            "customer", Prefetch("clocks", queryset=SlaClock.objects.order_by("kind"))
        )
        .order_by(F("next_due_at").asc(nulls_last=True), "pk")[:15]
    )
    sla = sla_report(
        scope=scope,
        period=period,
        now=now,
        by_assignee=True,
        ticket_aggregates={
            "n_recovered": Count("pk", filter=Q(recovered=True)),
            "n_rerated": Count("pk", filter=Q(recovered__isnull=False)),
            **{
                f"fc_{i}": Count("pk", filter=_bucket_q("first_contacted_at", lo, hi))
                for i, (lo, hi) in enumerate(DURATION_BUCKETS)
            },
            **{
                f"res_{i}": Count("pk", filter=_bucket_q("resolved_at", lo, hi))
                for i, (lo, hi) in enumerate(DURATION_BUCKETS)
            },
        },
    )
    tickets_figures = sla.pop("tickets")
    resolutions = Resolution.objects.filter(scope.q("ticket__"), period_q("resolved_at", period))
    pareto_rows = list(
        resolutions.values(
            "root_cause__name",
            "root_cause__parent__name",
            "ticket__team__name",
            "resolved_by__username",
            "resolved_by__first_name",
            "resolved_by__last_name",
        )
        .annotate(n=Count("pk"))
        .order_by("-n")[:500]
    )
    nps, nps_scope = dashboard_nps(team=team, survey=survey, segment=segment, period=period)
    return {
        "by_state": by_state,
        "at_risk": at_risk,
        "breaches": _breaches(scope=scope, now=now),
        "agents": _agent_rows(open_tickets=open_tickets, compliance=sla.pop("by_assignee")),
        "pareto": _pareto(pareto_rows),
        "recovery": {
            "recovered": tickets_figures["n_recovered"],
            "rerated": tickets_figures["n_rerated"],
            "rate": round(tickets_figures["n_recovered"] * 100 / tickets_figures["n_rerated"])
            if tickets_figures["n_rerated"]
            else None,
        },
        "sla": sla,
        "fc_hist": [tickets_figures[f"fc_{i}"] for i in range(len(DURATION_BUCKETS))],
        "res_hist": [tickets_figures[f"res_{i}"] for i in range(len(DURATION_BUCKETS))],
        "nps": nps,
        "nps_scope": nps_scope,
        "compliance_note": compliance_note(),
        "links": queue_links(team=team),
        "now": now,
    }


def _breaches(*, scope: TicketScope, now: dt.datetime) -> dict:
    """Clocks breached today and this week (the viewer's days), counting deadlines passed
    that the sweep has not marked yet. Two reads, one per partial index (marked breaches;
    running clocks by deadline), each of the week's clocks only, whatever the history."""
    local_now = timezone.localtime(now)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - dt.timedelta(days=day_start.weekday())
    clocks = SlaClock.objects.filter(scope.q("ticket__"))
    marked = clocks.filter(breached_at__gte=week_start).aggregate(
        today=Count("ticket", filter=Q(breached_at__gte=day_start)), week=Count("ticket")
    )
    unmarked = clocks.filter(
        breached_at__isnull=True,
        met_at__isnull=True,
        paused_at__isnull=True,
        due_at__gte=week_start,
        due_at__lte=now,
    ).aggregate(today=Count("ticket", filter=Q(due_at__gte=day_start)), week=Count("ticket"))
    return {key: marked[key] + unmarked[key] for key in ("today", "week")}


def _agent_rows(*, open_tickets, compliance: dict) -> list[User]:
    """Workload (open tickets now) and SLA compliance (clocks of tickets opened in the
    period, from sla_report) per agent: one grouped scan and one lookup of the people."""
    workload = dict(
        open_tickets.filter(assignee__isnull=False)
        .order_by()
        .values_list("assignee")
        .annotate(n=Count("pk"))
    )
    agents = list(User.objects.filter(pk__in=set(workload) | set(compliance)))
    for agent in agents:
        row = compliance.get(agent.pk, {})
        agent.open_count = workload.get(agent.pk, 0)
        agent.met, agent.breached = row.get("met", 0), row.get("breached", 0)
        decided = agent.met + agent.breached
        agent.compliance = round(agent.met * 100 / decided) if decided else None
    agents.sort(key=lambda a: (-a.open_count, a.username))
    return agents[:30]


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


def _display_name(row: dict, prefix: str) -> str:
    """The name people know (as User.__str__), from a values() row."""
    full = f"{row.get(prefix + 'first_name') or ''} {row.get(prefix + 'last_name') or ''}".strip()
    return full or row.get(prefix + "username") or ""


def _pareto(rows: list[dict]) -> dict:
    """Root causes sorted by count with the running share; also split by team and agent."""

    def label(row):
        name = row["root_cause__name"]
        if name is None:
            return ""
        parent = row["root_cause__parent__name"]
        # seeded taxonomy names are English msgids: show them in the viewer's language
        return f"{gettext(parent)} → {gettext(name)}" if parent else gettext(name)

    totals: dict[str, int] = {}
    by_team: dict[str, dict[str, int]] = {}
    by_agent: dict[str, dict[str, int]] = {}
    for row in rows:
        cause = label(row)
        totals[cause] = totals.get(cause, 0) + row["n"]
        team = row["ticket__team__name"] or ""
        agent = _display_name(row, "resolved_by__")
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


def customer_declined(ticket: Ticket) -> bool:
    """Whether the last contact attempt on the ticket ended with the customer declining."""
    last = (
        ticket.contact_attempts.order_by("-occurred_at", "-pk")
        .values_list("outcome", flat=True)
        .first()
    )
    return last == "declined"


def queue_neighbours(*, user, ticket_pk: int, limit: int = 500) -> tuple[int | None, int | None]:
    """The tickets before and after this one in the person's own queue (for j/k)."""
    pks = list(
        queue_filtered(user=user, view="mine", filters={}).values_list("pk", flat=True)[:limit]
    )
    if ticket_pk not in pks:
        return None, (pks[0] if pks else None)
    i = pks.index(ticket_pk)
    return (pks[i - 1] if i > 0 else None), (pks[i + 1] if i + 1 < len(pks) else None)
