from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's views, serializers and filters: a way in, no models of its own."""

    name = "api"
    verbose_name = _("REST API")
