"""The batch engine against the one-answer reference: same rows, same per-item results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random

import pytest
from django.db import transaction

from intake.batch import ERROR, ItemResult, responses_ingest_batch
from intake.services import DuplicateConflict, ResponseData, response_ingest
from tests.ingestion.batch_world import (
    NOW,
    batch_random,
    results_normalised,
    state_snapshot,
    world_build,
)


def reference(source, items, now, cutoff=None) -> list[ItemResult]:
    """Today's path: response_ingest answer by answer, each in its own transaction
    (answers older than the cutoff with open_ticket=False, as the file import does)."""
    results = []
    for item in items:
        if not isinstance(item, ResponseData):
            results.append(ItemResult(ERROR, errors=item.errors))
            continue
        try:
            with transaction.atomic():
                outcome = response_ingest(
                    source=source,
                    data=item,
                    now=now,
                    open_ticket=cutoff is None or item.responded_at >= cutoff,
                )
        except DuplicateConflict as exc:
            results.append(ItemResult("conflict", response=exc.existing))
            continue
        status = "created" if outcome.created else "duplicate"
        results.append(ItemResult(status, response=outcome.response))
    return results


def run_both(world, batches, cutoff=None):
    since = dt.datetime.now(dt.UTC)
    point = transaction.savepoint()
    expected = [reference(world["source"], items, NOW, cutoff) for items in batches]
    expected_state = state_snapshot(since)
    transaction.savepoint_rollback(point)
    got = [
        responses_ingest_batch(source=world["source"], items=items, now=NOW, ticket_cutoff=cutoff)
        for items in batches
    ]
    return expected, expected_state, got, state_snapshot(since)


def aged(batch: list, rng: random.Random) -> list:
    """About half the answers given long ago (before the cutoff), the rest recent."""
    old = NOW - dt.timedelta(days=400)
    return [
        dataclasses.replace(item, responded_at=old)
        if isinstance(item, ResponseData) and rng.random() < 0.5
        else item
        for item in batch
    ]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_batches_store_what_the_one_answer_path_stores(seed, caplog):
    world = world_build(seed=seed)
    batches = [batch_random(world, 40, f"b{seed}-{n}") for n in range(3)]
    with caplog.at_level(logging.WARNING, logger="intake.batch"):
        expected, expected_state, got, state = run_both(world, batches)
    assert not caplog.records, "the batches went one by one instead of set-wise"
    assert_same(expected, expected_state, got, state)
    statuses = {r.status for batch in got for r in batch}
    assert statuses >= {"created", "duplicate", "conflict", "error"}
    kinds = {row[1] for row in state["events"]}
    assert {"created", "response_attached", "reopened"} <= kinds


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("seed", [5, 6])
def test_answers_before_the_cutoff_count_but_open_no_ticket_as_one_by_one(seed, caplog):
    world = world_build(seed=seed)
    rng = random.Random(seed)
    batches = [aged(batch_random(world, 40, f"c{seed}-{n}"), rng) for n in range(3)]
    cutoff = NOW - dt.timedelta(days=30)
    with caplog.at_level(logging.WARNING, logger="intake.batch"):
        expected, expected_state, got, state = run_both(world, batches, cutoff)
    assert not caplog.records, "the batches went one by one instead of set-wise"
    assert_same(expected, expected_state, got, state)
    created = [r.response for batch in got for r in batch if r.created]
    old_detractors = [r for r in created if r.category == "detractor" and r.responded_at < cutoff]
    assert old_detractors and not [r for r in old_detractors if r.ticket_id]
    assert [r for r in created if r.category == "detractor" and r.ticket_id]


def assert_same(expected, expected_state, got, state) -> None:
    for want, have in zip(expected, got, strict=True):
        assert results_normalised(have) == results_normalised(want)
    for table in expected_state:
        extra = [row for row in state[table] if row not in expected_state[table]]
        missing = [row for row in expected_state[table] if row not in state[table]]
        assert (extra, missing) == ([], []), table
