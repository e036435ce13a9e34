from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports.services import nps_rollup_rebuild


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when shown, not at import
        return _(
            "Counts the daily NPS rollup again from all answers (after deleting answers with "
            "SQL, or changing customer segments in bulk). Safe while the application runs."
        )

    def handle(self, *args, **options):
        result = nps_rollup_rebuild()
        self.stdout.write(
            _("NPS rollup rebuilt: %(days)d days, answers up to #%(mark)d.")
            % {"days": result.days, "mark": result.mark}
        )
