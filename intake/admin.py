import secrets

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from intake import admin_jobs  # noqa: F401 - registers ImportJobAdmin
from intake.admin_spreadsheet import spreadsheet_import_view
from intake.admin_views import responses_import_view
from intake.dead_letters import dead_letters_reprocess
from intake.delivery_questions import delivery_questions
from intake.models import DeadLetter, PendingFetch, WebhookSettings
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
            ),
            path(
                "import-spreadsheet/",
                self.admin_site.admin_view(spreadsheet_import_view),
                name="intake_import_spreadsheet",
            ),
        ]
        return extra + super().get_urls()


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """Signed deliveries that could not be mapped: fix the source's mapping, then re-process."""

    list_display = ("received_at", "source", "platform", "status", "short_reason")
    list_filter = ("status", "platform")
    list_select_related = ("source",)
    readonly_fields = (
        "source",
        "platform",
        "reason",
        "questions",
        "body_text",
        "headers",
        "status",
        "received_at",
        "processed_at",
        "result",
    )
    exclude = ("body",)
    actions = ("reprocess_selected", "reprocess_all_pending")

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("reason"))
    def short_reason(self, obj):
        return "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in (obj.reason or {}).items())[
            :200
        ]

    @admin.display(description=_("questions in the delivery"))
    def questions(self, obj):
        rows = delivery_questions(platform=obj.platform, body=bytes(obj.body))
        if not rows:
            return "—"
        return format_html_join(
            "",
            "<div><code>{}</code> ({}) {} → {}</div>",
            ((r["reference"], r["type"], r["title"] or "", r["value"]) for r in rows),
        )

    @admin.display(description=_("raw body"))
    def body_text(self, obj):
        return format_html("<pre>{}</pre>", bytes(obj.body).decode("utf-8", "replace"))

    def _report(self, request, done, failed):
        self.message_user(
            request,
            _("%(done)d processed, %(failed)d still cannot be mapped (reason updated).")
            % {"done": done, "failed": failed},
            messages.SUCCESS if not failed else messages.WARNING,
        )

    @admin.action(description=_("Re-process the selected deliveries"))
    def reprocess_selected(self, request, queryset):
        self._report(request, *dead_letters_reprocess(letters=queryset))

    @admin.action(description=_("Re-process every pending delivery of the selected sources"))
    def reprocess_all_pending(self, request, queryset):
        sources = queryset.values_list("source_id", flat=True)
        letters = DeadLetter.objects.filter(source_id__in=sources)
        self._report(request, *dead_letters_reprocess(letters=letters))


@admin.register(PendingFetch)
class PendingFetchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "source", "platform", "response_id", "status", "attempts")
    list_filter = ("status", "platform")
    readonly_fields = [f.name for f in PendingFetch._meta.fields]

    def has_add_permission(self, request):
        return False


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
