from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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
