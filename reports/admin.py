from django.contrib import admin

from reports.models import ResponseRollupState


@admin.register(ResponseRollupState)
class ResponseRollupStateAdmin(admin.ModelAdmin):
    """Read-only: how far the daily NPS rollup goes and when beat last refreshed it."""

    list_display = ("__str__", "refreshed_at", "rebuilt_at")
    readonly_fields = [f.name for f in ResponseRollupState._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
