"""NPS of a team: the answers of the customers whose tickets the team handled.

The overall NPS counts every answer; a team's NPS is defined here as the answers (in the
period, survey and segment asked for) of the customers with at least one ticket of the
team, so it moves with the customers the team looked after. Counted live from the answers:
the daily rollup has no team dimension.
"""

from __future__ import annotations

from reports.selectors import Period, nps_of_answers, responses_filtered
from tickets.models import Ticket


def team_nps_report(
    *,
    teams,
    survey=None,
    segment: str | None = None,
    period: Period = Period(),
    interval: str = "week",
) -> dict:
    """nps_report's shape ({"overall", "series"}) for the customers of these teams' tickets."""
    customers = Ticket.objects.filter(team__in=teams).values("customer_id")
    qs = responses_filtered(survey=survey, segment=segment, period=period).filter(
        customer_id__in=customers
    )
    return nps_of_answers(qs, interval=interval)
