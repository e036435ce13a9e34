"""The plain-Python check gives the serializer's ResponseData or steps aside."""

from __future__ import annotations

import copy
import datetime as dt
import itertools

import pytest
import time_machine

from intake.quick_validation import quick_response_data
from intake.serializers import ResponseInSerializer
from tests.factories import SurveyFactory

NOW = dt.datetime(2026, 11, 18, 10, 30, tzinfo=dt.UTC)
BASE = {
    "survey": "nps-2026",
    "external_id": "a-1",
    "score": 3,
    "comment": "Курьер опоздал.",
    "channel": "email",
    "responded_at": "2026-11-18T12:00:00+03:00",
    "customer": {"external_id": "c-1", "email": "Ann@Example.com", "name": "Ann"},
    "metadata": {"order_id": "A-77"},
}
# (path, value) changes, each tried alone and in pairs; "-" removes the key
CHANGES = [
    (("external_id",), 1234),
    (("external_id",), "  padded "),
    (("external_id",), ""),
    (("external_id",), True),
    (("external_id",), "-"),
    (("score",), 11),
    (("score",), "3"),
    (("score",), True),
    (("score",), 10),
    (("survey",), "unknown"),
    (("survey",), "inactive"),
    (("survey",), " nps-2026 "),
    (("comment",), None),
    (("comment",), "  "),
    (("comment",), "x" * 20000),
    (("comment",), "bad\x00"),
    (("channel",), "x" * 40),
    (("responded_at",), "2026-11-18T12:00:00"),
    (("responded_at",), "2030-01-01T00:00:00Z"),
    (("responded_at",), "yesterday"),
    (("responded_at",), "-"),
    (("customer",), None),
    (("customer",), {"email": "not-an-email"}),
    (("customer",), {"name": "Nobody"}),
    (("customer",), {"external_id": None, "email": "b@example.com"}),
    (("customer",), {"external_id": "", "email": " B@Example.com "}),
    (("customer", "time_zone"), "Europe/Moscow"),
    (("customer", "time_zone"), "Mars/Olympus"),
    (("customer", "preferred_channel"), "email"),
    (("customer", "preferred_channel"), "pigeon"),
    (("customer", "locale"), "ru-RU"),
    (("customer", "segment"), None),
    (("customer", "extra"), 1),
    (("metadata",), None),
    (("metadata",), {"deep": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}),
    (("metadata",), {"n": float("nan")}),
    (("metadata",), "-"),
    (("unknown",), 1),
]


def changed(item: dict, changes) -> dict:
    item = copy.deepcopy(item)
    for path, value in changes:
        target = item
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(target, dict) else {}
        if not isinstance(target, dict):
            continue
        if value == "-":
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
    return item


@pytest.mark.django_db
def test_the_quick_check_agrees_with_the_serializer_or_steps_aside():
    SurveyFactory(slug="nps-2026")
    SurveyFactory(slug="inactive", is_active=False)
    cases = [()] + [(c,) for c in CHANGES] + list(itertools.combinations(CHANGES, 2))
    quick_taken = 0
    with time_machine.travel(NOW, tick=False):
        for case in cases:
            item = changed(BASE, case)
            quick = quick_response_data(item, {})
            serializer = ResponseInSerializer(data=item, context={})
            if not serializer.is_valid():
                assert quick is None, (case, serializer.errors)
                continue
            if quick is None:
                continue
            quick_taken += 1
            expected = serializer.to_response_data()
            if "external_id" not in item:  # a fresh id each time
                assert quick.external_id.startswith("auto-")
                quick.external_id = expected.external_id
            assert quick == expected, case
    assert quick_taken > 100
