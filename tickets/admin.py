from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sla.admin_actions import sla_recalculate_tickets
from sla.clocks import ticket_sla_summary_refresh
from sla.models import (
    SlaClock,
)
from tickets.models import (
    ContactAttempt,
    PriorityRule,
    RerateInvitation,
    Resolution,
    ResolutionCode,
    RootCause,
    RoutingRule,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.selectors import tickets_visible_to
from tickets.timeline import event_sentences


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TimelineInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "kind", "actor", "sentence")
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    @admin.display(description=_("What happened"))
    def sentence(self, obj: TicketEvent) -> str:
        """The sentence the ticket page shows, not the stored JSON. Computed once for the
        whole ticket (the inline is instantiated per request, so the memo is too)."""
        memo = self.__dict__.setdefault("_sentences", {})
        if obj.ticket_id not in memo:
            events = list(TicketEvent.objects.filter(ticket_id=obj.ticket_id))
            memo[obj.ticket_id] = event_sentences(events)
        text = memo[obj.ticket_id].get(obj.pk, "")
        data = obj.data or {}
        reason = data.get("reason") if obj.kind == TicketEvent.Kind.REOPENED else ""
        extra = [obj.breach_withdrawn_text(), reason or "", data.get("note") or ""]
        return " ".join(part for part in (text, *extra) if part) or "—"


class ClockInline(ReadOnlyInline):
    model = SlaClock
    fields = ("kind", "state", "due_at", "warn_at", "met_at", "breached_at", "paused_at")
    readonly_fields = fields


class ContactAttemptInline(ReadOnlyInline):
    model = ContactAttempt
    fields = ("occurred_at", "channel", "outcome", "by", "note", "callback_at", "flagged_excessive")
    readonly_fields = fields


class ResolutionInline(ReadOnlyInline):
    model = Resolution
    fields = (
        "resolved_at",
        "code",
        "root_cause",
        "note",
        "goodwill_kind",
        "goodwill_amount",
        "goodwill_currency",
        "resolved_by",
    )
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "customer",
        "score",
        "status",
        "priority",
        "team",
        "assignee",
        "sla_first_contact",
        "sla_resolution",
        "escalated",
        "created_at",
    )
    list_filter = ("status", "priority", "team", "escalated", "clocks__state", "assignee")
    search_fields = ("=id", "customer__name", "customer__email", "origin_response__comment")
    list_select_related = ("customer", "team", "assignee", "origin_response")
    autocomplete_fields = ("assignee",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "reference",
        "customer",
        "origin_response",
        "sla_policy",
        "created_at",
        "updated_at",
        "first_contacted_at",
        "resolved_at",
        "closed_at",
        "reopened_count",
        "recovered",
        "escalated",
    )
    fields = (
        "reference",
        "customer",
        "origin_response",
        "status",
        "priority",
        "team",
        "assignee",
        "sla_policy",
        "escalated",
        "created_at",
        "updated_at",
        "first_contacted_at",
        "resolved_at",
        "closed_at",
        "reopened_count",
        "recovered",
    )
    inlines = (ClockInline, ContactAttemptInline, ResolutionInline, TimelineInline)
    actions = (sla_recalculate_tickets,)

    def get_queryset(self, request):
        # Staff see only the tickets their role allows; others are 404 here too.
        return tickets_visible_to(request.user).prefetch_related("clocks")

    def get_search_results(self, request, queryset, search_term):
        prefix = f"{settings.TICKET_PREFIX}-".lower()
        if search_term.lower().startswith(prefix):
            search_term = search_term[len(prefix) :]
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("score"), ordering="origin_response__score")
    def score(self, obj):
        return obj.origin_response.score

    def _clock_state(self, obj, kind):
        for clock in obj.clocks.all():
            if clock.kind == kind:
                return clock.get_state_display()
        return "—"

    @admin.display(description=_("first contact"))
    def sla_first_contact(self, obj):
        return self._clock_state(obj, SlaClock.Kind.FIRST_CONTACT)

    @admin.display(description=_("resolution"))
    def sla_resolution(self, obj):
        return self._clock_state(obj, SlaClock.Kind.RESOLUTION)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "manager",
        "assignment_strategy",
        "is_fallback",
        "contact_window_start",
        "contact_window_end",
    )
    list_filter = ("assignment_strategy", "is_fallback")
    search_fields = ("name", "slug")
    filter_horizontal = ("members",)
    autocomplete_fields = ("manager",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = (
        "ticket",
        "kind",
        "state",
        "due_at",
        "warn_at",
        "met_at",
        "breached_at",
        "escalation_level",
    )
    list_filter = ("kind", "state")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__id",)
    readonly_fields = [f.name for f in SlaClock._meta.fields]

    def has_add_permission(self, request):
        return False

    # Deleting a clock changes its ticket's queue summary (Ticket.next_due_at, sla_state).
    @transaction.atomic
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        ticket_sla_summary_refresh([obj.ticket_id])

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        ticket_ids = list(queryset.values_list("ticket_id", flat=True))
        super().delete_queryset(request, queryset)
        ticket_sla_summary_refresh(ticket_ids)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = (
        "position",
        "name",
        "survey",
        "segment",
        "score_min",
        "score_max",
        "locale",
        "metadata_key",
        "metadata_value",
        "team",
        "is_active",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "team", "survey")
    search_fields = ("name",)


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ("position", "survey", "segment", "score_min", "score_max", "priority")
    list_display_links = ("survey",)
    list_editable = ("position", "priority")


@admin.register(ResolutionCode)
class ResolutionCodeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "requires_contact", "is_active")
    list_filter = ("is_active", "requires_contact")
    search_fields = ("name", "code")


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ("__str__", "code", "parent", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("name", "code")


@admin.register(ContactAttempt)
class ContactAttemptAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "ticket", "channel", "outcome", "by", "flagged_excessive")
    list_filter = ("channel", "outcome", "flagged_excessive")
    list_select_related = ("ticket", "by")
    search_fields = ("=ticket__id", "note")
    readonly_fields = [f.name for f in ContactAttempt._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("at", "ticket", "kind", "actor")
    list_filter = ("kind",)
    list_select_related = ("ticket", "actor")
    search_fields = ("=ticket__id",)
    readonly_fields = ("ticket", "at", "actor", "kind", "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RerateInvitation)
class RerateInvitationAdmin(admin.ModelAdmin):
    list_display = ("ticket", "email", "send_at", "sent_at", "used_at", "cancelled_at")
    list_filter = ("sent_at", "used_at")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__id", "email")
    readonly_fields = [f.name for f in RerateInvitation._meta.fields]

    def has_add_permission(self, request):
        return False
