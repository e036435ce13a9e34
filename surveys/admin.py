from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from surveys.models import Customer, Response, Survey


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

    @admin.display(description=_("ticket"), ordering="ticket")
    def ticket_link(self, obj):
        if obj.ticket_id is None:
            return "—"
        return format_html(
            '<a href="../../tickets/ticket/{}/change/">{}</a>', obj.ticket_id, obj.ticket.reference
        )
