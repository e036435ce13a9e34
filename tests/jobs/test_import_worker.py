"""A large bulk body on real parts: PostgreSQL, Redis and a Celery worker process."""

from __future__ import annotations

import json

import pytest

from surveys.models import Response
from tests.factories import detractor_payload
from tests.sla.stack import CeleryStack, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis_url_for_test():
    """This worktree's Redis database, emptied so no stale message reaches the worker."""
    import redis as redis_lib

    from tests.conftest import redis_url

    url = redis_url()
    redis_lib.Redis.from_url(url).flushdb()
    return url


def test_a_large_bulk_body_is_processed_by_the_worker_with_its_error_report(
    tmp_path, ingest_api, survey, settings, redis_url_for_test
):
    settings.BULK_ASYNC_THRESHOLD = 200
    body = []
    for i in range(600):
        item = detractor_payload(
            external_id=f"w{i}",
            customer={"external_id": f"cust-{i % 250}", "email": f"c{i % 250}@example.com"},
            score=(3, 7, 10)[i % 3],
        )
        body.append(item)
    body[17]["score"] = 11
    body[404]["responded_at"] = "yesterday"
    body[599] = body[0]  # a replay within the body
    stack = CeleryStack(redis_url=redis_url_for_test, log_dir=tmp_path, workers=1)
    stack.start()
    try:
        answer = ingest_api.post(
            "/api/v1/responses/bulk/", data=json.dumps(body), content_type="application/json"
        )
        assert answer.status_code == 202, answer.content
        location = answer["Location"]

        def done():
            progress = ingest_api.get(location).json()
            return progress if progress["status"] in ("done", "failed") else None

        try:
            progress = wait_until(done, 120, "the worker to finish the import job")
        except AssertionError:
            raise AssertionError(stack.logs()) from None
    finally:
        stack.stop()
    assert progress["status"] == "done", progress
    assert progress["rows_total"] == progress["rows_done"] == 600
    assert (progress["created"], progress["duplicates"], progress["errors"]) == (597, 1, 2)
    assert Response.objects.count() == 597
    report = ingest_api.get(progress["errors_url"]).content.decode("utf-8-sig").splitlines()
    assert report[0] == "row,field,reason"
    assert [line.split(",")[:2] for line in report[1:]] == [
        ["17", "score"],
        ["404", "responded_at"],
    ]
