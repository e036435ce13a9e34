"""The numbers: NPS and SLA statistics. The API and the dashboard both read them here.

Everything aggregates in the database. Percentiles use PostgreSQL's percentile_cont when
available and the same linear interpolation in Python elsewhere, so both agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from reports.selectors import Period
from sla.models import SlaClock
from tickets.models import Ticket

# --- SLA -----------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont over seconds of a duration expression."""

    function = "percentile_cont"
    template = (
        "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    )
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as percentile_cont does."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


@dataclass(frozen=True)
class TicketScope:
    """Which tickets a report counts, as filters on the ticket's own columns.

    Reports join through these (team_id, origin response's survey, customer's segment)
    rather than `ticket_id IN (SELECT …)`, so PostgreSQL reads the period's tickets from an
    index instead of hashing every ticket of the teams.
    """

    team_ids: tuple[int, ...] | None = None  # None: every team
    survey_id: int | None = None
    segment: str | None = None

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.team_ids is not None:
            q &= Q(**{f"{prefix}team_id__in": self.team_ids})
        if self.survey_id is not None:
            q &= Q(**{f"{prefix}origin_response__survey_id": self.survey_id})
        if self.segment:
            q &= Q(**{f"{prefix}customer__segment": self.segment})
        return q

    @classmethod
    def of_teams(cls, teams, **kwargs) -> TicketScope:
        return cls(team_ids=tuple(t.pk for t in teams), **kwargs)


def period_q(field: str, period: Period) -> Q:
    q = Q()
    if period.start is not None:
        q &= Q(**{f"{field}__gte": period.start})
    if period.end is not None:
        q &= Q(**{f"{field}__lt": period.end})
    return q


def tickets_opened(*, scope: TicketScope = TicketScope(), period: Period = Period()):
    return Ticket.objects.filter(scope.q(), period_q("created_at", period))


def clock_met_q(prefix: str = "") -> Q:
    p = prefix
    return Q(**{f"{p}met_at__isnull": False, f"{p}breached_at__isnull": True}) & Q(
        **{f"{p}met_at__lte": F(f"{p}due_at")}
    )


def clock_breached_q(now: dt.datetime, prefix: str = "") -> Q:
    """Breached, counting deadlines passed that the sweep has not yet marked."""
    p = prefix
    return (
        Q(**{f"{p}breached_at__isnull": False})
        | Q(**{f"{p}met_at__isnull": False, f"{p}met_at__gt": F(f"{p}due_at")})
        | Q(
            **{
                f"{p}met_at__isnull": True,
                f"{p}paused_at__isnull": True,
                f"{p}due_at__lte": now,
            }
        )
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


DURATION_FIELDS = {"first_contact": "first_contacted_at", "resolution": "resolved_at"}


def _ticket_figures(tickets: QuerySet, extra: dict | None = None) -> dict:
    """How many tickets, median/p90 seconds to first contact and to resolution, and the
    caller's extra aggregates: one scan on PostgreSQL (percentile_cont skips the NULLs of
    tickets not contacted or resolved yet)."""
    extra = extra or {}
    if connection.vendor == "postgresql":
        aggregates = {"n": Count("id"), **extra}
        for kind, field in DURATION_FIELDS.items():
            delta = ExpressionWrapper(F(field) - F("created_at"), output_field=DurationField())
            aggregates[f"{kind}_median"] = PercentileCont(delta, 0.5)
            aggregates[f"{kind}_p90"] = PercentileCont(delta, 0.9)
        row = tickets.aggregate(**aggregates)
    else:
        rows = list(tickets.values_list("created_at", *DURATION_FIELDS.values()))
        row = {"n": len(rows), **(tickets.aggregate(**extra) if extra else {})}
        for i, kind in enumerate(DURATION_FIELDS, start=1):
            seconds = [(r[i] - r[0]).total_seconds() for r in rows if r[i] is not None]
            row[f"{kind}_median"] = percentile(seconds, 0.5)
            row[f"{kind}_p90"] = percentile(seconds, 0.9)
    return {
        key: round(value) if value is not None and key not in extra and key != "n" else value
        for key, value in row.items()
    }


def sla_report(
    *,
    scope: TicketScope = TicketScope(),
    team=None,
    period: Period = Period(),
    now: dt.datetime | None = None,
    by_assignee: bool = False,
    ticket_aggregates: dict | None = None,
) -> dict:
    """Tickets opened in the period and how their clocks fared (rates over decided clocks).

    Each kind also counts `logged_late`: met on time but recorded after the deadline.
    by_assignee adds {"by_assignee": {user_id: {"met", "breached"}}} from the clocks' scan,
    each clock counted for whoever held the ticket when it was met or breached (held_by;
    a deadline passed but not yet marked counts for the current assignee);
    ticket_aggregates adds {"tickets": {name: value}} from the tickets' scan (the dashboard's
    histograms), so each set is read once."""
    now = now or timezone.now()
    if team is not None:
        scope = replace(scope, team_ids=(team.pk,))
    figures = _ticket_figures(tickets_opened(scope=scope, period=period), ticket_aggregates)
    clocks = SlaClock.objects.filter(scope.q("ticket__"), period_q("ticket__created_at", period))
    if by_assignee:
        clocks = clocks.annotate(holder=Coalesce("held_by", "ticket__assignee"))
    group = ["kind", "holder"] if by_assignee else ["kind"]
    rows = (
        clocks.order_by()
        .values(*group)
        # every clock column read is INCLUDEd in sla_clock_report_idx (index-only scans)
        .annotate(
            met=Count("ticket", filter=clock_met_q()),
            breached=Count("ticket", filter=clock_breached_q(now)),
            logged_late=Count("ticket", filter=Q(logged_late=True)),
        )
    )
    counts = {kind: {"met": 0, "breached": 0, "logged_late": 0} for kind in DURATION_FIELDS}
    agents: dict[int, dict] = {}
    for row in rows:
        for what in ("met", "breached", "logged_late"):
            counts[row["kind"]][what] += row[what]
        if by_assignee and row["holder"] is not None and (row["met"] or row["breached"]):
            agent = agents.setdefault(row["holder"], {"met": 0, "breached": 0})
            agent["met"] += row["met"]
            agent["breached"] += row["breached"]
    out = {"tickets_opened": figures["n"]}
    for kind in DURATION_FIELDS:
        met, breached = counts[kind]["met"], counts[kind]["breached"]
        out[kind] = {
            "met": met,
            "breached": breached,
            "met_rate": _rate(met, met + breached),
            "breached_rate": _rate(breached, met + breached),
            "logged_late": counts[kind]["logged_late"],
            "median_seconds": figures[f"{kind}_median"],
            "p90_seconds": figures[f"{kind}_p90"],
        }
    if by_assignee:
        out["by_assignee"] = agents
    if ticket_aggregates:
        out["tickets"] = {name: figures[name] for name in ticket_aggregates}
    return out
