"""Periodic jobs of the reports. Thin: the work is in services."""

from celery import shared_task

from reports import services


@shared_task(name="reports.nps_rollup_refresh", ignore_result=True)
def nps_rollup_refresh() -> str:
    """Brings the daily NPS rollup up to date. Beat: every NPS_ROLLUP_INTERVAL seconds."""
    result = services.nps_rollup_refresh()
    return str(result) if result else "skipped: another refresh or rebuild is running"


@shared_task(name="reports.nps_rollup_rebuild", ignore_result=True)
def nps_rollup_rebuild() -> str:
    """Counts the daily NPS rollup again from all answers. Beat: nightly."""
    return str(services.nps_rollup_rebuild())
