import secrets

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _

from notifications.admin_actions import deliveries_retry_action
from notifications.models import Delivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "topics", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    exclude = ("secret",)  # shown once when made or rotated, never again
    actions = ("rotate_secret",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self._show_once(request, obj)

    @admin.action(description=_("Rotate the signing secret (the old one stops working)"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = secrets.token_hex()
            endpoint.save(update_fields=["secret"])
            self._show_once(request, endpoint)

    def _show_once(self, request, endpoint) -> None:
        self.message_user(
            request,
            format_html(
                _("Signing secret for {}: <code>{}</code> — copy it now, it is not shown again."),
                endpoint.name,
                endpoint.secret,
            ),
            messages.WARNING,
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "topic",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "topic")
    search_fields = ("event_key", "recipient", "last_error")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    date_hierarchy = "created_at"
    actions = (deliveries_retry_action,)

    def has_add_permission(self, request):
        return False
