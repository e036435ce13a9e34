"""The ticket records. The SLA engine (sla/) builds on these; the workflow above both."""

from tickets.models.choices import OPEN_STATUSES, PRIORITY_RANK, Priority, Status
from tickets.models.contacts import ContactAttempt
from tickets.models.events import TicketEvent
from tickets.models.resolution import RerateInvitation, Resolution, ResolutionCode, RootCause
from tickets.models.teams import PriorityRule, RoutingRule, Team
from tickets.models.ticket import SLA_SUMMARY_FIELDS, Ticket

__all__ = [
    "ContactAttempt",
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "Priority",
    "PriorityRule",
    "RerateInvitation",
    "Resolution",
    "ResolutionCode",
    "RootCause",
    "RoutingRule",
    "SLA_SUMMARY_FIELDS",
    "Status",
    "Team",
    "Ticket",
    "TicketEvent",
]
