import zoneinfo

from django.utils import timezone, translation

from feedback_desk.datetimes import date_style_activate


class UserPreferencesMiddleware:
    """Activates the signed-in user's time zone and, when set, language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            date_style_activate(getattr(user, "date_style", ""))
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
            date_style_activate(None)
        return self.get_response(request)
