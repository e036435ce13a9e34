import secrets

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from intake.admin_views import responses_import_view
from intake.models import WebhookSettings
from surveys.models import IngestionSource


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
    change_list_template = "admin/intake/webhooksettings_change_list.html"

    @admin.display(description=_("platform"))
    def platform(self, obj):
        return obj.source.platform

    @admin.display(description=_("webhook URL"))
    def hook_url(self, obj):
        url = reverse(
            "intake:webhook",
            kwargs={"platform": obj.source.platform or "generic", "slug": obj.source.slug},
        )
        return format_html("<code>{}</code>", url)

    def get_urls(self):
        extra = [
            path(
                "import-responses/",
                self.admin_site.admin_view(responses_import_view),
                name="intake_import_responses",
            )
        ]
        return extra + super().get_urls()


@admin.register(IngestionSource)
class IngestionSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "platform", "key_prefix", "is_active", "created_at")
    list_filter = ("kind", "platform", "is_active")
    search_fields = ("name", "slug", "key_prefix")
    readonly_fields = ("key_prefix", "webhook_secret_set", "created_at")
    # Secrets are never shown after they are set: new ones via the actions, shown once.
    exclude = ("key_hash", "webhook_secret")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("issue_new_key", "rotate_webhook_secret")
    inlines = (WebhookSettingsInline,)

    @admin.display(description=_("webhook signing secret"), boolean=True)
    def webhook_secret_set(self, source) -> bool:
        return bool(source.webhook_secret)

    @admin.action(description=_("Rotate the webhook secret (the old one stops working)"))
    def rotate_webhook_secret(self, request, queryset):
        for source in queryset:
            secret = secrets.token_urlsafe(32)
            source.webhook_secret = secret
            source.save(update_fields=["webhook_secret"])
            self.message_user(
                request,
                format_html(
                    _(
                        "New webhook secret for {}: <code>{}</code> — copy it now, it is not "
                        "shown again."
                    ),
                    source.name,
                    secret,
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def issue_new_key(self, request, queryset):
        for source in queryset:
            key = source.issue_key()
            source.save(update_fields=["key_prefix", "key_hash"])
            self.message_user(
                request,
                format_html(
                    _("New key for {}: <code>{}</code> — copy it now, it is not shown again."),
                    source.name,
                    key,
                ),
                messages.WARNING,
            )
