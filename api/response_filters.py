import django_filters
from django.utils.translation import gettext_lazy as _

from feedback_desk.filters import IdFilter, UtcIsoDateTimeFilter
from surveys.models import Category, Response


class ResponseFilter(django_filters.FilterSet):
    survey = django_filters.CharFilter(field_name="survey__slug", help_text=_("Survey slug."))
    category = django_filters.ChoiceFilter(choices=Category.choices)
    customer = IdFilter(field_name="customer_id")
    since = UtcIsoDateTimeFilter(field_name="responded_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="responded_at", lookup_expr="lt")

    class Meta:
        model = Response
        fields = ["survey", "category", "customer", "since", "until"]
