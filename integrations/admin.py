from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from integrations.admin_views import responses_import_view
from integrations.models import WebhookSettings


class WebhookSettingsInline(admin.StackedInline):
    """For IngestionSourceAdmin.inlines (surveys/admin.py): edit a webhook source's survey
    and field mapping on the source's own page."""

    model = WebhookSettings
    can_delete = False
    extra = 0
    max_num = 1


@admin.register(WebhookSettings)
class WebhookSettingsAdmin(admin.ModelAdmin):
    list_display = ("source", "platform", "survey", "channel", "require_timestamp", "hook_url")
    list_select_related = ("source", "survey")
    search_fields = ("source__name", "source__slug")
    change_list_template = "admin/integrations/webhooksettings_change_list.html"

    @admin.display(description=_("platform"))
    def platform(self, obj):
        return obj.source.platform

    @admin.display(description=_("webhook URL"))
    def hook_url(self, obj):
        url = reverse(
            "integrations:webhook",
            kwargs={"platform": obj.source.platform or "generic", "slug": obj.source.slug},
        )
        return format_html("<code>{}</code>", url)

    def get_urls(self):
        extra = [
            path(
                "import-responses/",
                self.admin_site.admin_view(responses_import_view),
                name="integrations_import_responses",
            )
        ]
        return extra + super().get_urls()
