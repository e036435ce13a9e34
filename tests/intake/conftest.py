"""Webhook sources per platform, signed deliveries, and the platforms' documented payloads."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from intake.models import WebhookSettings
from surveys.models import IngestionSource
from tests.factories import PAYLOAD_DAY, answer_day

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "whsec-test-7f3a9c"


def payload(name: str) -> dict:
    """A sample delivery, its dates moved from PAYLOAD_DAY to answer_day()."""
    text = (PAYLOADS / f"{name}.json").read_text()
    return copy.deepcopy(json.loads(text.replace(PAYLOAD_DAY, answer_day().isoformat())))


def hook_source(
    platform: str, *, slug: str | None = None, survey=None, **settings
) -> IngestionSource:
    source = IngestionSource.objects.create(
        name=f"{platform} hook",
        slug=slug or f"{platform}-hook",
        kind=IngestionSource.Kind.WEBHOOK,
        platform=platform,
        webhook_secret=SECRET,
    )
    WebhookSettings.objects.create(source=source, survey=survey, **settings)
    return source


def post_hook(client, url: str, body, headers: dict | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.generic("POST", url, raw, content_type="application/json", headers=headers or {})


@pytest.fixture
def generic_source(survey):
    return hook_source("generic", survey=survey)


@pytest.fixture
def typeform_source(survey):
    return hook_source("typeform", survey=survey)


@pytest.fixture
def survicate_source(survey):
    return hook_source("survicate", survey=survey)


@pytest.fixture
def spreadsheet_source(db):
    """The import source the spreadsheet tests import into."""
    return IngestionSource.objects.create(name="Exports", slug="exports", kind="import")
