"""Filters shared by the API's list endpoints."""

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class UtcIsoDateTimeField(forms.DateTimeField):
    """ISO 8601 with any offset Python accepts, normalised to UTC before it reaches SQL
    (PostgreSQL refuses offsets beyond ±15:59, and that must be a 400, not a 500)."""

    default_error_messages = {
        "invalid": _("Enter an ISO 8601 date-time, e.g. 2026-11-20T09:15:00+03:00."),
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            if result.tzinfo is None:
                return result.replace(tzinfo=dt.UTC)
            return result.astimezone(dt.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class IdField(forms.IntegerField):
    """A database id: a positive whole number that fits a 64-bit column."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = IdField
