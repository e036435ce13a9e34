"""Large bulk bodies and files become import jobs: 202, progress, error report, scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from rest_framework.test import APIClient

from intake.jobs import import_job_run
from intake.models import ImportJob
from surveys.models import Response
from tests import factories
from tests.factories import detractor_payload

BULK = "/api/v1/responses/bulk/"


@pytest.fixture
def threshold(settings):
    settings.BULK_ASYNC_THRESHOLD = 5
    return 5


def post(client, body):
    return client.post(BULK, data=json.dumps(body), content_type="application/json")


def items(count: int, bad: tuple[int, ...] = ()) -> list:
    out = []
    for i in range(count):
        item = detractor_payload(
            external_id=f"r{i}", customer={"external_id": f"c{i}"}, score=9 if i % 2 else 3
        )
        if i in bad:
            item["score"] = "=HYPERLINK(1)"
        out.append(item)
    return out


def errors_csv(client, job_id: int) -> list[list[str]]:
    answer = client.get(f"/api/v1/imports/{job_id}/errors.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_at_the_threshold_the_answer_is_synchronous_with_one_result_per_item(
    ingest_api, survey, threshold
):
    answer = post(ingest_api, items(threshold))
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json()["results"]] == ["created"] * threshold
    assert not ImportJob.objects.exists()


def test_above_the_threshold_a_job_is_stored_and_run_with_progress_and_errors(
    ingest_api, survey, threshold
):
    answer = post(ingest_api, {"responses": items(8, bad=(2, 6))})
    assert answer.status_code == 202
    body = answer.json()
    assert answer["Location"] == f"/api/v1/imports/{body['id']}/"
    assert (body["status"], body["rows_total"], body["rows_done"]) == ("queued", 8, 0)
    assert not Response.objects.exists()  # nothing done within the request

    import_job_run(job_id=body["id"])

    progress = ingest_api.get(answer["Location"]).json()
    assert progress["status"] == "done"
    assert (progress["rows_done"], progress["created"], progress["errors"]) == (8, 6, 2)
    assert Response.objects.count() == 6
    rows = errors_csv(ingest_api, body["id"])
    assert rows[0] == ["row", "field", "reason"]
    assert [(r[0], r[1]) for r in rows[1:]] == [("2", "score"), ("6", "score")]


def test_replayed_body_counts_duplicates_and_a_finished_job_is_not_run_again(
    ingest_api, survey, threshold
):
    first = post(ingest_api, items(6)).json()
    import_job_run(job_id=first["id"])
    second = post(ingest_api, items(6)).json()
    job = import_job_run(job_id=second["id"])
    assert (job.created, job.duplicates, job.errors) == (0, 6, 0)
    assert import_job_run(job_id=second["id"]) is None
    assert Response.objects.count() == 6


def test_a_job_whose_worker_died_is_resumed_after_its_last_chunk(
    ingest_api, survey, threshold, monkeypatch
):
    import intake.jobs as jobs

    monkeypatch.setattr(jobs, "CHUNK_ROWS", 3)
    job_id = post(ingest_api, items(7)).json()["id"]
    store = jobs._chunk_store
    calls = []

    def dies_on_the_second_chunk(*args):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit  # like a killed worker: nothing of this chunk is committed
        store(*args)

    monkeypatch.setattr(jobs, "_chunk_store", dies_on_the_second_chunk)
    with pytest.raises(SystemExit):
        import_job_run(job_id=job_id)
    job = ImportJob.objects.get(pk=job_id)
    assert (job.status, job.rows_done, job.created) == ("running", 3, 3)
    assert import_job_run(job_id=job_id) is None  # still fresh: another worker may have it
    later = job.heartbeat_at + jobs.STALE_AFTER + dt.timedelta(seconds=1)
    assert jobs.import_jobs_due(now=later) == [job_id]
    job = import_job_run(job_id=job_id, now=later)
    assert (job.status, job.rows_done, job.created, job.duplicates) == ("done", 7, 7, 0)
    assert Response.objects.count() == 7


def test_progress_is_seen_only_by_its_creator_and_admins(ingest_api, survey, threshold, admin_user):
    job_id = post(ingest_api, items(6)).json()["id"]
    url = f"/api/v1/imports/{job_id}/"
    other_source = factories.SourceFactory(slug="other")
    other_key = other_source.issue_key()
    other_source.save()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key}")
    stranger = APIClient()
    stranger.force_authenticate(factories.UserFactory(username="agent"))
    admin = APIClient()
    admin.force_authenticate(admin_user)
    assert APIClient().get(url).status_code == 401
    assert other.get(url).status_code == 404
    assert stranger.get(url).status_code == 404
    assert stranger.get(url + "errors.csv").status_code == 404
    assert admin.get(url).status_code == 200
    assert ingest_api.get("/api/v1/imports/999999/").status_code == 404


def test_a_user_sees_the_jobs_they_created(api, survey, threshold):
    writer = factories.UserFactory(username="writer", is_superuser=False)
    from django.contrib.auth.models import Permission

    writer.user_permissions.add(Permission.objects.get(codename="add_response"))
    api.force_authenticate(writer)
    answer = post(api, items(6))
    assert answer.status_code == 202
    assert api.get(answer["Location"]).json()["created_at"]
    other = APIClient()
    other.force_authenticate(factories.UserFactory(username="someone"))
    assert other.get(answer["Location"]).status_code == 404
