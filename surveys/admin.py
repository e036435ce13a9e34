import secrets

from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from integrations.admin import WebhookSettingsInline
from surveys.models import Customer, IngestionSource, Response, Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "scale_min",
        "scale_max",
        "detractor_max",
        "passive_max",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("activate", "deactivate")

    @admin.action(description=_("Activate selected surveys"))
    def activate(self, request, queryset):
        queryset.update(is_active=True)

    @admin.action(description=_("Deactivate selected surveys (new answers are refused)"))
    def deactivate(self, request, queryset):
        queryset.update(is_active=False)


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


class ResponseInline(admin.TabularInline):
    model = Response
    fields = ("responded_at", "survey", "score", "category", "comment", "ticket")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-responded_at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "external_id", "segment", "locale", "time_zone")
    list_filter = ("segment", "locale", "preferred_channel")
    search_fields = ("name", "email", "external_id", "phone")
    autocomplete_fields = ("account_owner",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (ResponseInline,)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Answers are facts: visible, searchable, never edited by hand."""

    list_display = (
        "responded_at",
        "survey",
        "customer",
        "score",
        "category",
        "source",
        "ticket_link",
    )
    list_filter = ("category", "survey", "source", "channel", "responded_at")
    search_fields = ("external_id", "comment", "customer__name", "customer__email")
    list_select_related = ("survey", "customer", "source", "ticket")
    date_hierarchy = "responded_at"
    readonly_fields = [f.name for f in Response._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, Response.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        """Deleting answers marks their days for the NPS rollup to count again."""
        from reports.services import nps_rollup_days_stale

        with transaction.atomic():
            nps_rollup_days_stale(answers=queryset)
            super().delete_queryset(request, queryset)

    @admin.display(description=_("ticket"), ordering="ticket")
    def ticket_link(self, obj):
        if obj.ticket_id is None:
            return "—"
        return format_html(
            '<a href="../../tickets/ticket/{}/change/">{}</a>', obj.ticket_id, obj.ticket.reference
        )
