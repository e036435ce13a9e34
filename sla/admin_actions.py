"""Admin actions that recalculate SLA deadlines: on selected tickets (TicketAdmin) and on
every open ticket of selected policies (SlaPolicyAdmin)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sla.recalculate import sla_recalculate
from tickets.models import OPEN_STATUSES, Ticket


def _recalculate(modeladmin, request, tickets) -> None:
    now = timezone.now()
    count = 0
    for ticket in tickets:
        with transaction.atomic():
            sla_recalculate(ticket=ticket, now=now, by=request.user)
        count += 1
    modeladmin.message_user(
        request,
        ngettext(
            "SLA deadlines recalculated for %(count)d ticket.",
            "SLA deadlines recalculated for %(count)d tickets.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


@admin.action(
    description=_("Recalculate SLA deadlines with the current policy"),
    permissions=["change"],
)
def sla_recalculate_tickets(modeladmin, request, queryset) -> None:
    """On Ticket: re-choose the policy and recompute the deadlines of the selected tickets."""
    _recalculate(modeladmin, request, queryset.order_by("pk"))


@admin.action(
    description=_("Apply the selected policies to their open tickets again"),
    permissions=["change"],
)
def sla_recalculate_policy_tickets(modeladmin, request, queryset) -> None:
    """On SlaPolicy: after editing a policy, open tickets under it get the new deadlines."""
    tickets = Ticket.objects.filter(sla_policy__in=queryset, status__in=OPEN_STATUSES)
    _recalculate(modeladmin, request, tickets.order_by("pk"))
