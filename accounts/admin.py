from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.api_tokens import ApiToken, api_tokens_revoke
from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_available", "is_staff")
    list_filter = (*BaseUserAdmin.list_filter, "is_available", "teams")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("time_zone", "language", "date_style", "is_available")}),
    )
    actions = ("mark_available", "mark_unavailable")

    @admin.action(description=_("Mark available for new tickets"))
    def mark_available(self, request, queryset):
        queryset.update(is_available=True)

    @admin.action(description=_("Mark unavailable (on holiday): routing skips them"))
    def mark_unavailable(self, request, queryset):
        queryset.update(is_available=False)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """The key is never shown: only its prefix. Make one with `manage.py api_token_create`."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        api_tokens_revoke(tokens=queryset)
