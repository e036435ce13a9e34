from django.contrib import admin

from sla.admin_actions import sla_recalculate_policy_tickets
from sla.models import (
    BusinessCalendar,
    CalendarException,
    EscalationLevel,
    SlaPolicy,
    SlaPolicyRule,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision")
    search_fields = ("name",)
    inlines = (WorkingHoursInline, CalendarExceptionInline)


class SlaPolicyRuleInline(admin.TabularInline):
    model = SlaPolicyRule
    extra = 0
    fields = ("position", "survey", "segment", "priority")


class EscalationLevelInline(admin.StackedInline):
    model = EscalationLevel
    extra = 0
    filter_horizontal = ("notify_users",)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "calendar",
        "first_contact_minutes",
        "resolution_minutes",
        "warning_percent",
        "warning_lead_minutes",
        "first_contact_meets",
        "is_default",
    )
    list_filter = ("is_default", "calendar")
    search_fields = ("name",)
    inlines = (SlaPolicyRuleInline, EscalationLevelInline)
    actions = (sla_recalculate_policy_tickets,)
