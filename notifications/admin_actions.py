"""Admin action functions for the outbox (the lead wires them into notifications/admin.py):

from notifications.admin_actions import deliveries_retry_action
DeliveryAdmin.actions = (deliveries_retry_action,)
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.services import deliveries_retry


@admin.action(description=_("Retry selected deliveries now"), permissions=["change"])
def deliveries_retry_action(modeladmin, request, queryset) -> None:
    """Puts failed or pending deliveries back in the queue; sent ones are never resent."""
    count = deliveries_retry(deliveries=queryset)
    modeladmin.message_user(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        % {"count": count},
        messages.SUCCESS,
    )
