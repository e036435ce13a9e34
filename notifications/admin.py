from django.contrib import admin

from notifications.admin_actions import deliveries_retry_action
from notifications.models import Delivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "topics", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "url")


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
