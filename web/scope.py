"""Which tickets and teams a signed-in person may see.

The rule itself belongs to tickets.selectors (queue); this module only adapts it, with a
stand-in of the same rule until that selector is merged.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tickets.models import Team, Ticket

try:  # pragma: no cover - depends on merge order
    from tickets.selectors import tickets_visible_to as _tickets_visible_to
except ImportError:  # pragma: no cover
    _tickets_visible_to = None


def teams_visible_to(user) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(Q(members=user) | Q(manager=user)).distinct()


def teams_managed_by(user) -> QuerySet[Team]:
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(manager=user)


def tickets_in_scope(user) -> QuerySet[Ticket]:
    if _tickets_visible_to is not None:
        return _tickets_visible_to(user)
    if not user.is_authenticated:
        return Ticket.objects.none()
    if user.is_superuser:
        return Ticket.objects.all()
    return Ticket.objects.filter(team__in=teams_visible_to(user).values("pk"))
