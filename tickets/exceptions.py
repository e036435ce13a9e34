"""Why a ticket action was refused. Views turn these into 4xx bodies naming `field`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class TicketActionError(Exception):
    """A refused action: a translatable message, the input field it concerns, an HTTP code."""

    status_code = 400
    code = "invalid"
    default_message = _("This action is not possible.")

    def __init__(self, message=None, *, field: str = "non_field_errors"):
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class InvalidTransition(TicketActionError):
    status_code = 409
    code = "invalid_transition"

    def __init__(self, current: str, target: str, allowed: list[str], *, field: str = "status"):
        self.current = current
        self.target = target
        self.allowed = list(allowed)
        message = _("Cannot go from '%(current)s' to '%(target)s'; allowed: %(allowed)s.") % {
            "current": current,
            "target": target,
            "allowed": ", ".join(self.allowed) or "—",
        }
        super().__init__(message, field=field)


class TicketAlreadyClaimed(TicketActionError):
    status_code = 409
    code = "already_claimed"

    def __init__(self, holder):
        self.holder = holder
        message = _("The ticket is already assigned to %(holder)s.") % {"holder": str(holder)}
        super().__init__(message, field="assignee")


class TicketClosed(TicketActionError):
    status_code = 409
    code = "ticket_not_open"


class ContactRequired(TicketActionError):
    code = "contact_required"


class OutsideContactWindow(TicketActionError):
    code = "outside_contact_window"


class NotAllowed(TicketActionError):
    """The user may see the ticket but not do this to it (e.g. assign outside their teams)."""

    status_code = 403
    code = "permission_denied"
