"""Queue filters: used by the API (django-filter backend) and by selectors.ticket_queue."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from sla.models import SlaClock
from tickets.models import Priority, Status, Ticket
from tickets.queries import ORDERINGS, search_q, sla_state_q, valid_id


class TicketFilter(django_filters.FilterSet):
    # distinct=False: a filter on the ticket's own column cannot repeat a row, and DISTINCT
    # would make PostgreSQL sort the whole filtered set before the page's LIMIT.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, distinct=False, help_text=_("Repeat for several statuses.")
    )
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text=_("A user id, 'me' or 'none' (unassigned).")
    )
    team = django_filters.CharFilter(method="filter_team", help_text=_("Team id or slug."))
    sla = django_filters.ChoiceFilter(
        choices=[
            (SlaClock.State.RUNNING, SlaClock.State.RUNNING.label),
            (SlaClock.State.AT_RISK, SlaClock.State.AT_RISK.label),
            (SlaClock.State.BREACHED, SlaClock.State.BREACHED.label),
        ],
        method="filter_sla",
        help_text=_("Worst state of the ticket's open SLA clocks."),
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    q = django_filters.CharFilter(
        method="filter_q",
        help_text=_("Customer name or email, answer comment, or a reference such as FD-123."),
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        method="filter_ordering",
        help_text=_("due (nearest open SLA deadline first), created, priority; '-' reverses."),
    )

    class Meta:
        model = Ticket
        fields = ["status", "assignee", "team", "sla", "priority", "q", "ordering"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None else getattr(self.request, "user", None)

    def filter_assignee(self, queryset, name, value):
        value = value.strip().lower()
        if value == "me":
            return queryset.filter(assignee_id=getattr(self.user, "pk", None))
        if value in ("none", "null", "unassigned"):
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            pk = valid_id(value)
            return queryset.filter(assignee_id=pk) if pk else queryset.none()
        return queryset.none()  # refused in is_valid

    def filter_team(self, queryset, name, value):
        if value.isdigit():
            pk = valid_id(value)
            return queryset.filter(team_id=pk) if pk else queryset.none()
        return queryset.filter(team__slug=value)

    def filter_sla(self, queryset, name, value: str):
        return queryset.filter(sla_state_q(value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_q(value))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])

    def is_valid(self):
        valid = super().is_valid()
        raw = (self.data.get("assignee") or "").strip().lower()
        if raw and not (raw.isdigit() or raw in ("me", "none", "null", "unassigned")):
            self.form.add_error("assignee", _("Use a user id, 'me' or 'none'."))
            return False
        return valid

    @property
    def qs(self):
        queryset = super().qs
        if not (self.data.get("ordering") if self.data else None):
            queryset = queryset.order_by(*ORDERINGS["due"])
        return queryset
