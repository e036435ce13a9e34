import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from feedback_desk.filters import UtcIsoDateTimeFilter
from surveys.models import Category, Response

MAX_ID = 2**63 - 1


class ResponseFilter(django_filters.FilterSet):
    survey = django_filters.CharFilter(field_name="survey__slug", help_text=_("Survey slug."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    customer = django_filters.CharFilter(
        method="filter_customer",
        max_length=254,
        help_text=_("The customer's id, external id or email."),
    )
    since = UtcIsoDateTimeFilter(field_name="responded_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="responded_at", lookup_expr="lt")

    def filter_customer(self, queryset, name, value):
        """A whole number is tried as the internal id too; external ids and emails are
        matched exactly (email case-insensitively)."""
        value = value.strip()
        match = Q(customer__external_id=value) | Q(customer__email__iexact=value)
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            match |= Q(customer_id=int(value))
        return queryset.filter(match)

    class Meta:
        model = Response
        fields = ["survey", "category", "customer", "since", "until"]
