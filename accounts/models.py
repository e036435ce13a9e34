import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

ROLE_AGENT = "agent"
ROLE_MANAGER = "manager"
ROLE_ADMIN = "admin"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class User(AbstractUser):
    """A person who works tickets; time zone and language follow them everywhere."""

    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: use the browser's language."),
    )
    date_style = models.CharField(
        _("date and time format (English)"),
        max_length=8,
        choices=[
            ("en-gb", _("27/11/2026 17:12 (day first, 24-hour)")),
            ("en-us", _("11/27/2026 5:12 PM (month first, 12-hour)")),
        ],
        default="en-gb",
        help_text=_("Dates in English; Russian always reads 27.11.2026 17:12."),
    )
    is_available = models.BooleanField(
        _("available for new tickets"),
        default=True,
        help_text=_("Untick while on holiday: routing skips unavailable agents."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, role: str) -> bool:
        if role == ROLE_ADMIN and self.is_superuser:
            return True
        return self.groups.filter(name=role).exists()

    @property
    def is_manager(self) -> bool:
        return self.is_superuser or self.managed_teams.exists()


from accounts.api_tokens import ApiToken  # noqa: E402,F401 - hashed API tokens
