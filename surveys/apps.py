from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys and responses")

    def ready(self):
        import surveys.schema  # noqa: F401 - registers the source-key scheme for the schema
