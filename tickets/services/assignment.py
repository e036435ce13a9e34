"""Business actions on tickets. Each runs inside the caller's transaction or its own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets import notify as ticket_notify
from tickets.events import event_record
from tickets.exceptions import (
    NotAllowed,
    TicketActionError,
    TicketAlreadyClaimed,
)
from tickets.models import (
    Team,
    Ticket,
    TicketEvent,
)
from tickets.selectors import user_can_manage, user_is_admin
from tickets.services.lifecycle import ticket_locked, ticket_require_open, ticket_sync


def user_works_team(user, team: Team) -> bool:
    if user is None or user_is_admin(user) or team.manager_id == user.pk:
        return True
    return team.members.filter(pk=user.pk).exists()


# --- assignment -------------------------------------------------------------------------


@transaction.atomic
def ticket_claim(*, ticket: Ticket, by, now: dt.datetime | None = None) -> Ticket:
    """Takes an unassigned ticket. The row lock makes two simultaneous claims queue up:
    the first wins, the second sees the holder and is refused."""
    now = now or timezone.now()
    locked = ticket_locked(ticket)
    ticket_require_open(locked)
    if locked.assignee_id is not None:
        if locked.assignee_id == by.pk:
            return ticket_sync(ticket, locked)
        raise TicketAlreadyClaimed(locked.assignee)
    if not user_works_team(by, locked.team):
        raise NotAllowed(
            _("You are not an agent of team %(team)s.") % {"team": locked.team.name},
            field="assignee",
        )
    locked.assignee = by
    locked.save(update_fields=["assignee", "updated_at"])
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=by,
        data={"from": None, "to": by.pk, "team": locked.team.slug, "claimed": True},
        at=now,
    )
    return ticket_sync(ticket, locked)


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, by, assignee, team: Team | None = None, now: dt.datetime | None = None
) -> Ticket:
    """Reassigns (assignee None = back to the team queue), optionally to another team.

    An agent changes the assignment of an unassigned ticket of their team or of one they
    hold (taking it, handing it to a colleague, or back to the queue); a ticket a colleague
    holds is refused with 409 naming the holder, as a claim is, so simultaneous "assign to
    me" cannot silently overwrite each other. Managers reassign within and move between
    the teams they manage; admins anywhere. The assignee must be an agent (or the manager)
    of the target team.
    """
    now = now or timezone.now()
    locked = ticket_locked(ticket)
    ticket_require_open(locked)
    held_by_colleague = by is not None and locked.assignee_id not in (None, by.pk)
    if held_by_colleague and not user_can_manage(by, locked.team):
        new_id = assignee.pk if assignee is not None else None
        if not (new_id == locked.assignee_id and (team is None or team.pk == locked.team_id)):
            raise TicketAlreadyClaimed(locked.assignee)
    target_team = team or locked.team
    if target_team.pk != locked.team_id:
        if not (user_can_manage(by, locked.team) and user_can_manage(by, target_team)):
            raise NotAllowed(
                _("Only a manager of both teams may move the ticket to %(team)s.")
                % {"team": target_team.name},
                field="team",
            )
    elif not user_works_team(by, locked.team):
        raise NotAllowed(
            _("You are not an agent of team %(team)s.") % {"team": locked.team.name},
            field="assignee",
        )
    if assignee is not None:
        if not assignee.is_active:
            raise TicketActionError(
                _("%(user)s is not an active user.") % {"user": str(assignee)}, field="assignee"
            )
        is_member = target_team.members.filter(pk=assignee.pk).exists()
        if not (is_member or target_team.manager_id == assignee.pk):
            raise TicketActionError(
                _("%(user)s is not an agent of team %(team)s.")
                % {"user": str(assignee), "team": target_team.name},
                field="assignee",
            )
    previous_team, previous_assignee = locked.team, locked.assignee_id
    new_assignee_id = assignee.pk if assignee is not None else None
    if previous_team.pk == target_team.pk and previous_assignee == new_assignee_id:
        return ticket_sync(ticket, locked)
    locked.team = target_team
    locked.assignee = assignee
    locked.save(update_fields=["team", "assignee", "updated_at"])
    event_record(
        ticket=locked,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=by,
        data={
            "from": previous_assignee,
            "to": new_assignee_id,
            "from_team": previous_team.slug,
            "team": target_team.slug,
        },
        at=now,
    )
    if assignee is not None and assignee != by:
        ticket_notify.ticket_assigned_notify(locked, assignee, now)
    return ticket_sync(ticket, locked)
