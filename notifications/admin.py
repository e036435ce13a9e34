from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, WebhookEndpoint
from notifications.services import delivery_retry


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
    actions = ("retry",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry selected deliveries now"))
    def retry(self, request, queryset):
        count = 0
        for delivery in queryset.exclude(status=Delivery.Status.SENT):
            delivery_retry(delivery)
            count += 1
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": count})
