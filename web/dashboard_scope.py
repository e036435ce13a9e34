"""What each dashboard figure covers, said in the data: the NPS tile's scope and label,
who SLA compliance counts for, and the queue each SLA tile links to."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from reports.selectors import Period, nps_report
from reports.team_nps import team_nps_report


def dashboard_nps(*, team, survey, segment, period: Period) -> tuple[dict, dict]:
    """(the NPS report, its scope). With a team filter: the team's NPS (answers of the
    customers whose tickets the team handled); without: every answer, all teams."""
    if team is None:
        report = nps_report(survey=survey, segment=segment, period=period, interval="week")
        scope = {
            "kind": "all_teams",
            "team_id": None,
            "title": gettext("NPS, all teams"),
            "label": gettext("Every answer in the period, whichever team handled it."),
        }
        return report, scope
    report = team_nps_report(
        teams=[team], survey=survey, segment=segment, period=period, interval="week"
    )
    scope = {
        "kind": "team",
        "team_id": team.pk,
        "title": gettext("NPS, team %(team)s") % {"team": team.name},
        "label": gettext("Answers of the customers whose tickets team %(team)s handled.")
        % {"team": team.name},
    }
    return report, scope


def compliance_note() -> str:
    return gettext(
        "Each deadline counts for whoever held the ticket when it was met or breached; "
        "a breach stays with its holder after a reassignment."
    )


def queue_links(*, team) -> dict[str, str]:
    """The queue (all my teams) filtered to what each SLA tile counts."""
    base = reverse("queue", kwargs={"view": "all"})

    def link(**params) -> str:
        if team is not None:
            params["team"] = team.pk
        return f"{base}?{urlencode(params)}"

    return {
        "breached": link(sla="breached"),
        "at_risk": link(sla="at_risk"),
        "running": link(sla="running"),
        "paused": link(status="waiting_on_customer"),
        "all": link(),
    }
