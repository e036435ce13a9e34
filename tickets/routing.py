"""Who gets a new ticket: ordered rules pick the team, the team's strategy picks the agent."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import User
from surveys.models import Response
from tickets.models import OPEN_STATUSES, PriorityRule, RoutingRule, Team


def rule_matches(rule: RoutingRule | PriorityRule, response: Response) -> bool:
    customer = response.customer
    if rule.survey_id and rule.survey_id != response.survey_id:
        return False
    if rule.segment and rule.segment.lower() != (customer.segment or "").lower():
        return False
    if rule.score_min is not None and response.score < rule.score_min:
        return False
    if rule.score_max is not None and response.score > rule.score_max:
        return False
    if isinstance(rule, RoutingRule):
        if rule.locale and not (customer.locale or "").lower().startswith(rule.locale.lower()):
            return False
        if rule.metadata_key:
            value = (response.metadata or {}).get(rule.metadata_key)
            if value is None:
                return False
            if rule.metadata_value and str(value) != rule.metadata_value:
                return False
    return True


def priority_for(response: Response) -> str:
    for rule in PriorityRule.objects.all():
        if rule_matches(rule, response):
            return rule.priority
    return "normal"


def fallback_team() -> Team:
    team = Team.objects.filter(is_fallback=True).first()
    if team is None:
        team, _ = Team.objects.get_or_create(
            slug="general", defaults={"name": "General", "is_fallback": True}
        )
    return team


def team_for(response: Response) -> Team:
    for rule in RoutingRule.objects.filter(is_active=True).select_related("team"):
        if rule_matches(rule, response):
            return rule.team
    return fallback_team()


def agent_for(team: Team, response: Response) -> User | None:
    """An available agent of the team, or None to leave the ticket in the team queue.

    Callers hold the team row lock (select_for_update) so round-robin stays fair.
    """
    agents = team.members.filter(is_active=True, is_available=True)
    owner = response.customer.account_owner
    if team.assignment_strategy == Team.Strategy.ACCOUNT_OWNER and owner is not None:
        if agents.filter(pk=owner.pk).exists():
            return owner
    if team.assignment_strategy == Team.Strategy.ROUND_ROBIN:
        ordered = list(agents.order_by("pk"))
        if not ordered:
            return None
        last = team.last_assigned_id or 0
        following = [agent for agent in ordered if agent.pk > last]
        chosen = following[0] if following else ordered[0]
        team.last_assigned = chosen
        team.save(update_fields=["last_assigned"])
        return chosen
    return (
        agents.annotate(
            open_count=Count(
                "assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)
            )
        )
        .order_by("open_count", "pk")
        .first()
    )
