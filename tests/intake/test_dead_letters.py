"""Signed deliveries that cannot be mapped are kept, shown in the admin and re-processed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from intake.models import DeadLetter, WebhookSettings
from intake.platforms import typeform
from surveys.models import Response
from tests import factories
from tests.intake.conftest import SECRET, hook_source, payload, post_hook

URL = "/hooks/typeform/typeform-hook/"


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def deliver(client, body):
    raw = json.dumps(body).encode()
    return post_hook(client, URL, raw, {typeform.SIGNATURE_HEADER: typeform.sign(SECRET, raw)})


def test_fix_the_mapping_then_reprocess_from_the_admin(client, admin_client, survey):
    source = hook_source("typeform", survey=survey, mapping={"score": "answer.missing_ref"})
    answer = deliver(client, payload("typeform_form_response"))
    assert answer.status_code == 202
    letter = DeadLetter.objects.get()
    assert letter.status == "pending"
    assert Response.objects.count() == 0

    page = admin_client.get(f"/admin/intake/deadletter/{letter.pk}/change/")
    assert page.status_code == 200
    assert b"missing_ref" in page.content
    # The delivery's questions are offered to pick the score question from.
    assert "<code>answer.nps_score</code> (nps)" in page.content.decode()

    # Still wrong: the letter stays pending with the new reason.
    admin_client.post(
        "/admin/intake/deadletter/",
        {"action": "reprocess_selected", "_selected_action": [letter.pk]},
    )
    letter.refresh_from_db()
    assert letter.status == "pending"

    WebhookSettings.objects.filter(source=source).update(mapping={"score": "answer.nps_score"})
    admin_client.post(
        "/admin/intake/deadletter/",
        {"action": "reprocess_selected", "_selected_action": [letter.pk]},
    )
    letter.refresh_from_db()
    assert letter.status == "processed"
    stored = Response.objects.get()
    assert letter.result["responses"] == [stored.pk]
    assert stored.external_id == payload("typeform_form_response")["form_response"]["token"]


def test_reprocess_all_pending_of_a_source(client, admin_client, survey):
    source = hook_source("typeform", survey=None)
    for token in ("t-1", "t-2", "t-3"):
        body = payload("typeform_form_response")
        body["form_response"]["token"] = token
        assert deliver(client, body).status_code == 202
    WebhookSettings.objects.filter(source=source).update(survey=survey)
    first = DeadLetter.objects.order_by("pk").first()
    admin_client.post(
        "/admin/intake/deadletter/",
        {"action": "reprocess_all_pending", "_selected_action": [first.pk]},
    )
    assert set(DeadLetter.objects.values_list("status", flat=True)) == {"processed"}
    assert Response.objects.count() == 3
