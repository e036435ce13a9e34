from celery import shared_task
from celery.exceptions import MaxRetriesExceededError

from intake import fetching
from intake.models import PendingFetch


@shared_task(name="intake.pending_fetch_run", bind=True, ignore_result=True, max_retries=48)
def pending_fetch_run(self, fetch_id: int) -> None:
    """Fetches one announced answer; while the platform's API is down, retries with the
    row's exponential delay (the row stays, so nothing is lost if the worker restarts)."""
    fetch = fetching.pending_fetch_process(fetch_id=fetch_id)
    if fetch.status == PendingFetch.Status.PENDING and fetch.attempts:
        try:
            raise self.retry(countdown=fetching.retry_delay(fetch.attempts).total_seconds())
        except MaxRetriesExceededError:
            pass  # the row stays pending; the periodic sweep keeps trying


@shared_task(name="intake.pending_fetches_run", ignore_result=True)
def pending_fetches_run() -> None:
    """Periodic: runs every pending fetch whose time has come (lost retries, long outages)."""
    for fetch_id in fetching.pending_fetches_due():
        fetching.pending_fetch_process(fetch_id=fetch_id)


@shared_task(name="intake.import_job_run", ignore_result=True)
def import_job_run(job_id: int) -> None:
    """Runs one import job (a large bulk body or file); resumes after the last chunk."""
    from intake.jobs import import_job_run as run

    run(job_id=job_id)


@shared_task(name="intake.import_jobs_resume", ignore_result=True)
def import_jobs_resume() -> None:
    """Periodic: jobs whose hand-off to the worker was lost, or whose worker died."""
    from intake.jobs import import_job_enqueue, import_jobs_due

    for job_id in import_jobs_due():
        import_job_enqueue(job_id=job_id)
