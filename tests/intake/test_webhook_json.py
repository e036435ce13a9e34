"""/hooks/json/<source>/: any JSON, mapped by paths; HMAC in a named header, bearer or basic."""

from __future__ import annotations

import base64
import json

import pytest

from intake.models import DeadLetter
from intake.platforms import json_mapped
from surveys.models import Response
from tests.intake.conftest import SECRET, hook_source, post_hook
from tickets.models import Ticket

URL = "/hooks/json/json-hook/"
# What an Apps Script onFormSubmit trigger might POST for a Google Form (implementer-defined).
APPS_SCRIPT = {
    "form": {"id": "1FAIpQL", "title": "How did we do?"},
    "response": {
        "id": "2_ABaOnud",
        "submitted": 1795158903,
        "email": "olga@example.com",
        "answers": [{"title": "Score", "value": "3"}, {"title": "Why", "value": "Late again"}],
        "hidden": {"crm": "C-17", "plan": "pro"},
    },
}
MAPPING = {
    "score": "response.answers.0.value",
    "comment": "response.answers.1.value",
    "response_id": "response.id",
    "responded_at": "response.submitted",
    "customer_external_id": "response.hidden.crm",
    "customer_email": "response.email",
    "customer_segment": "response.hidden.plan",
}


def test_hmac_in_a_named_header_and_mapped_paths(client, survey):
    mapping = {
        **MAPPING,
        "signature_header": "X-Form-Signature",
        "signature_encoding": "base64",
        "signature_prefix": "sha256=",
    }
    hook_source("json", survey=survey, mapping=mapping)
    raw = json.dumps(APPS_SCRIPT).encode()
    signature = json_mapped.sign(SECRET, raw, encoding="base64", prefix="sha256=")
    answer = post_hook(client, URL, raw, {"X-Form-Signature": signature})
    assert answer.status_code == 201, answer.json()
    stored = Response.objects.select_related("customer").get()
    assert (stored.external_id, stored.score, stored.comment) == ("2_ABaOnud", 3, "Late again")
    assert stored.responded_at.timestamp() == 1795158903
    assert (stored.customer.external_id, stored.customer.segment) == ("C-17", "pro")
    assert Ticket.objects.get().origin_response == stored
    forged = post_hook(client, URL, raw, {"X-Form-Signature": "sha256=AAAA"})
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("auth", "good", "bad"),
    [
        ("bearer", f"Bearer {SECRET}", "Bearer nope"),
        (
            "basic",
            "Basic " + base64.b64encode(f"feedback:{SECRET}".encode()).decode(),
            "Basic " + base64.b64encode(b"feedback:wrong").decode(),
        ),
    ],
)
def test_bearer_and_basic_auth(client, survey, auth, good, bad):
    hook_source("json", survey=survey, mapping={**MAPPING, "auth": auth})
    assert post_hook(client, URL, APPS_SCRIPT, {"Authorization": bad}).status_code == 401
    assert Response.objects.count() == 0
    assert post_hook(client, URL, APPS_SCRIPT, {"Authorization": good}).status_code == 201


def test_a_path_that_is_not_there_is_a_dead_letter(client, survey):
    hook_source("json", survey=survey, mapping={**MAPPING, "auth": "bearer", "score": "nps"})
    answer = post_hook(client, URL, APPS_SCRIPT, {"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 202
    assert list(DeadLetter.objects.get().reason) == ["nps"]


def test_hex_signature_in_upper_case_is_accepted(client, survey):
    """Hex digests are case-free (many senders write them in capitals); base64 is not."""
    hook_source("json", survey=survey, mapping={**MAPPING, "signature_prefix": "sha256="})
    raw = json.dumps(APPS_SCRIPT).encode()
    signature = json_mapped.sign(SECRET, raw, prefix="sha256=")
    upper = "sha256=" + signature.removeprefix("sha256=").upper()
    answer = post_hook(client, URL, raw, {"X-Signature": upper})
    assert answer.status_code == 201, answer.json()
