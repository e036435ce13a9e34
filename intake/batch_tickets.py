"""The ticket side of an ingestion batch: for the new detractor answers of a batch, open
tickets or attach to the customer's open one, with configuration read once per batch.

Decisions are exactly those of tickets.services.ticket_open_or_attach taken answer by
answer in the batch's order; the writes are bulk statements. A reopen (rare) goes through
the one-ticket path, tickets.services.lifecycle.reopen_for_answer.

Agent assignment is the last step of a batch: everything else (answers, clocks, reopens)
is written first, then the teams' rows are locked, the agents' open loads read, the
agents chosen in memory, and the new tickets inserted with them (their ids were reserved,
and foreign keys are checked at commit). Two batches for the same team therefore overlap
in all their work and queue only for that short tail, while round-robin and fewest-open
still see every ticket committed before them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from feedback_desk.unsaved import unsaved
from intake.batch_sql import LostRace, ids_reserve, insert_ignore_returning
from notifications.services import OutboxBatch
from sla import clocks as sla_clocks
from sla.models import SlaClock, SlaPolicy, SlaPolicyRule
from surveys.models import Response
from tickets import routing
from tickets.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    PriorityRule,
    RoutingRule,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.notify import ticket_opened_notify

REOPENABLE = (Status.RESOLVED, Status.CLOSED)


class BatchConfig:
    """Routing, priority and SLA rules, policies with their calendars: read once."""

    def __init__(self) -> None:
        self.priority_rules = list(PriorityRule.objects.all())
        self.routing_rules = list(RoutingRule.objects.filter(is_active=True).select_related("team"))
        policies = {p.pk: p for p in SlaPolicy.objects.select_related("calendar")}
        self.sla_rules = [
            (rule, policies[rule.policy_id])
            for rule in SlaPolicyRule.objects.order_by("position", "id")
        ]
        self.default_policy = next((p for p in policies.values() if p.is_default), None)
        self._fallback: Team | None = None

    def priority_for(self, response: Response) -> str:
        for rule in self.priority_rules:
            if routing.rule_matches(rule, response):
                return rule.priority
        return "normal"

    def team_for(self, response: Response) -> Team:
        for rule in self.routing_rules:
            if routing.rule_matches(rule, response):
                return rule.team
        if self._fallback is None:
            self._fallback = routing.fallback_team()
        return self._fallback

    def policy_for(self, response: Response, priority: str) -> SlaPolicy | None:
        """sla.clocks.policy_for, on the rules read once."""
        best = None
        segment = (response.customer.segment or "").strip().lower()
        for rule, policy in self.sla_rules:
            if rule.survey_id and rule.survey_id != response.survey_id:
                continue
            if rule.segment and rule.segment.strip().lower() != segment:
                continue
            if rule.priority and rule.priority != priority:
                continue
            key = (bool(rule.survey_id) + bool(rule.segment) + bool(rule.priority),)
            key += (-rule.position, -rule.pk)
            if best is None or key > best[0]:
                best = (key, policy)
        return best[1] if best else self.default_policy


class Schedules:
    """Every clock of a batch starts at the same moment: each (policy, kind, target)
    deadline is computed once (business calendars make that the costly part)."""

    FIELDS = (
        "started_at",
        "due_at",
        "warn_at",
        "state",
        "warned_at",
        "breached_at",
        "met_at",
        "paused_at",
        "paused_seconds",
        "escalation_level",
        "next_check_at",
    )

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.known: dict[tuple, dict] = {}

    def clock(self, ticket: Ticket, policy: SlaPolicy, kind: str, minutes) -> SlaClock:
        key = (policy.pk, kind, minutes)
        if key not in self.known:
            template = SlaClock(kind=kind, target_minutes=minutes)
            sla_clocks.clock_schedule(template, policy, self.now)
            self.known[key] = {name: getattr(template, name) for name in self.FIELDS}
        return unsaved(
            SlaClock, {"ticket": ticket}, kind=kind, target_minutes=minutes, **self.known[key]
        )


class Assigner:
    """tickets.routing.agent_for for many tickets: each team's agents and their open
    loads read once, then kept up to date in memory as the batch assigns.

    `reopened`: tickets this batch already reopened; the load read counts them, so they
    are taken out and added back at their place in the batch order."""

    def __init__(self, teams: list[Team], reopened: list[Ticket] = ()) -> None:
        locked = Team.objects.select_for_update().filter(pk__in=[t.pk for t in teams])
        self.teams = {t.pk: t for t in locked.order_by("pk")}
        self.agents: dict[int, list] = {pk: [] for pk in self.teams}
        for team in self.teams.values():
            self.agents[team.pk] = list(
                team.members.filter(is_active=True, is_available=True).order_by("pk")
            )
        everyone = {a.pk for agents in self.agents.values() for a in agents}
        self.load: dict[int, int] = defaultdict(int)
        counted = (
            Ticket.objects.filter(assignee_id__in=everyone, status__in=OPEN_STATUSES)
            .values("assignee_id")
            .annotate(n=Count("id"))
        )
        for row in counted:
            self.load[row["assignee_id"]] = row["n"]
        for ticket in reopened:
            if ticket.assignee_id in everyone:
                self.load[ticket.assignee_id] -= 1
        self.moved: set[int] = set()

    def opened(self, assignee_id: int | None) -> None:
        if assignee_id is not None:
            self.load[assignee_id] += 1

    def choose(self, team_pk: int, customer):
        team = self.teams[team_pk]
        agents = self.agents[team_pk]
        owner = customer.account_owner_id
        if team.assignment_strategy == Team.Strategy.ACCOUNT_OWNER and owner is not None:
            for agent in agents:
                if agent.pk == owner:
                    return agent
        if team.assignment_strategy == Team.Strategy.ROUND_ROBIN:
            if not agents:
                return None
            last = team.last_assigned_id or 0
            chosen = next((a for a in agents if a.pk > last), agents[0])
            team.last_assigned_id = chosen.pk
            self.moved.add(team.pk)
            return chosen
        if not agents:
            return None
        return min(agents, key=lambda a: (self.load[a.pk], a.pk))

    def save(self) -> None:
        for pk in sorted(self.moved):
            Team.objects.filter(pk=pk).update(last_assigned_id=self.teams[pk].last_assigned_id)


def _insert(model, objs: list) -> None:
    """One INSERT of the objects; their ids too when they were reserved beforehand."""
    reserved = bool(objs) and objs[0].pk is not None
    names = [f.name for f in model._meta.concrete_fields if reserved or not f.primary_key]
    if len(insert_ignore_returning(model, objs, names, ("id",))) != len(objs):
        raise LostRace()
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"


def _candidates(customer_ids: set[int], now: dt.datetime, max_days: int) -> dict[int, list]:
    """Open tickets and tickets resolved within the longest reopen window, locked."""
    window = Q(status__in=OPEN_STATUSES)
    if max_days:
        window |= Q(status__in=REOPENABLE, resolved_at__gte=now - dt.timedelta(days=max_days))
    found: dict[int, list] = defaultdict(list)
    rows = (
        Ticket.objects.select_for_update()
        .filter(window, customer_id__in=customer_ids)
        .order_by("pk")
    )
    for ticket in rows:
        found[ticket.customer_id].append(ticket)
    return found


def _recently_resolved(tickets: list, response: Response, now: dt.datetime):
    days = response.survey.reopen_within_days
    if not days:
        return None
    since = now - dt.timedelta(days=days)
    fitting = [
        t for t in tickets if t.status in REOPENABLE and t.resolved_at and t.resolved_at >= since
    ]
    return max(fitting, key=lambda t: t.resolved_at, default=None)


class TicketPlan:
    """What the new detractor answers of a batch do to tickets, decided in the batch's
    order before the answers are written, so that each answer is inserted already
    pointing at its ticket (new tickets get reserved ids). `write` then writes the
    tickets, clocks, events and outbox rows with bulk statements."""

    def __init__(self, responses: list[Response], now: dt.datetime) -> None:
        self.now = now
        self.plan: list[tuple[str, Response, Ticket | None]] = []
        self.new_tickets: dict[int, Ticket] = {}
        self.clocks: list[SlaClock] = []
        if not responses:
            return
        max_days = max(r.survey.reopen_within_days for r in responses)
        by_customer = _candidates({r.customer_id for r in responses}, now, max_days)
        open_of: dict[int, Ticket] = {}
        for customer_id, tickets in by_customer.items():
            for ticket in tickets:
                if ticket.status in OPEN_STATUSES:
                    open_of[customer_id] = ticket
        # Which answer opens a ticket, which attaches, which reopens (batch order).
        opening: dict[int, Response] = {}
        for response in responses:
            current = open_of.get(response.customer_id)
            if current is None and response.customer_id in opening:
                self.plan.append(("attach_new", response, None))
                continue
            if current is None:
                current = _recently_resolved(by_customer[response.customer_id], response, now)
                if current is not None:
                    self.plan.append(("reopen", response, current))
                    open_of[response.customer_id] = current  # open from here on
                    continue
            if current is not None:
                self.plan.append(("attach", response, current))
                continue
            opening[response.customer_id] = response
            self.plan.append(("open", response, None))
        self._tickets_build(opening)
        ids = ids_reserve(Ticket, len(self.new_tickets))
        for ticket, pk in zip(self.new_tickets.values(), ids, strict=True):
            ticket.pk = pk
        for clock in self.clocks:
            clock.ticket_id = clock.ticket.pk
        for _action, response, ticket in self.plan:
            response.ticket = ticket or self.new_tickets[response.customer_id]

    def _tickets_build(self, opening: dict[int, Response]) -> None:
        """Teams, priorities and SLA clocks of the new tickets (agents come last)."""
        config = BatchConfig()
        teams = {pk: config.team_for(r) for pk, r in opening.items()}
        schedules = Schedules(self.now)
        for action, response, _ticket in self.plan:
            if action != "open":
                continue
            priority = config.priority_for(response)
            ticket = unsaved(
                Ticket,
                {
                    "customer": response.customer,
                    "origin_response": response,
                    "team": teams[response.customer_id],
                },
                priority=priority,
                priority_rank=PRIORITY_RANK.get(priority, 20),
                created_at=self.now,
            )
            policy = config.policy_for(response, priority)
            if policy is not None:
                ticket.sla_policy = policy
                pair = []
                for kind, minutes in (
                    (SlaClock.Kind.FIRST_CONTACT, policy.first_contact_minutes),
                    (SlaClock.Kind.RESOLUTION, policy.resolution_minutes),
                ):
                    pair.append(schedules.clock(ticket, policy, kind, minutes))
                self.clocks.extend(pair)
                ticket.next_due_at = min(c.due_at for c in pair)
                ticket.sla_state = SlaClock.State.RUNNING
            self.new_tickets[response.customer_id] = ticket

    def write(self, outbox: OutboxBatch) -> None:
        """After the answers: clocks, reopens, agents (the only part under the teams'
        lock), the tickets themselves, their timeline and their emails and webhooks."""
        from tickets.services.lifecycle import reopen_for_answer

        if not self.plan:
            return
        now = self.now
        _insert(SlaClock, self.clocks)
        events: list[TicketEvent] = []
        reopened: list[Ticket] = []
        for action, response, ticket in self.plan:
            if action == "reopen":
                reopen_for_answer(ticket, response, now)
                reopened.append(ticket)
            if action != "open":
                data = {"response": response.pk, "score": response.score}
                events.append(
                    unsaved(
                        TicketEvent,
                        {"ticket": response.ticket},
                        kind=TicketEvent.Kind.RESPONSE_ATTACHED,
                        data=data,
                        at=now,
                    )
                )
        if self.new_tickets:
            self._agents_assign(reopened)
        _insert(Ticket, list(self.new_tickets.values()))
        for action, response, _ticket in self.plan:
            if action == "open":
                ticket = self.new_tickets[response.customer_id]
                data = {
                    "response": response.pk,
                    "score": response.score,
                    "team": ticket.team.slug,
                    "assignee": ticket.assignee_id,
                    "priority": ticket.priority,
                }
                events.append(
                    unsaved(
                        TicketEvent,
                        {"ticket": ticket},
                        kind=TicketEvent.Kind.CREATED,
                        data=data,
                        at=now,
                    )
                )
        _insert(TicketEvent, events)
        for ticket in self.new_tickets.values():
            ticket_opened_notify(ticket, outbox=outbox)

    def _agents_assign(self, reopened: list[Ticket]) -> None:
        """Chooses each new ticket's agent in the batch's order, as agent_for would."""
        new_tickets = self.new_tickets
        teams = {t.team_id: t.team for t in new_tickets.values()}
        assigner = Assigner(list(teams.values()), reopened)
        for action, response, ticket in self.plan:
            if action == "reopen":
                assigner.opened(ticket.assignee_id)
            elif action == "open":
                ticket = new_tickets[response.customer_id]
                ticket.team = assigner.teams[ticket.team_id]
                assignee = assigner.choose(ticket.team_id, response.customer)
                ticket.assignee = assignee
                assigner.opened(assignee.pk if assignee else None)
        assigner.save()
