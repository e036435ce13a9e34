"""CONTRACT.md, checked over HTTP against gunicorn + worker + beat on PostgreSQL/Redis."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.e2e.conftest import free_port, wait_until
from tests.factories import answer_day

pytestmark = pytest.mark.e2e

EXAMPLE = {
    "survey": "nps-2026",
    "external_id": "resp-000123",
    "score": 3,
    "comment": "Delivery was two days late and nobody called.",
    "channel": "email",
    "responded_at": f"{answer_day()}T09:15:00+03:00",
    "customer": {
        "external_id": "cust-42",
        "email": "anna@example.com",
        "name": "Anna Petrova",
        "phone": "+7 912 000-00-00",
        "segment": "enterprise",
    },
    "metadata": {"order_id": "A-77"},
}


@pytest.fixture(scope="module")
def survey(stack):
    stack.manage(
        "shell",
        "-c",
        (
            "from surveys.models import Survey; "
            "Survey.objects.get_or_create(slug='nps-2026', defaults={'name': 'NPS 2026'})"
        ),
    )
    return "nps-2026"


class Receiver:
    """A customer's webhook endpoint on loopback that records what it is sent."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_healthz_reports_database_and_broker(stack):
    answer = stack.request("GET", "/healthz")
    assert answer.status == 200
    # the beat of the e2e stack has swept by now (its interval is short)
    assert answer.body["checks"] == {"database": "ok", "broker": "ok", "sla_sweep": "ok"}


def test_schema_and_docs_are_served(stack):
    schema = stack.request("GET", "/api/schema/?format=json")
    assert schema.status == 200
    assert "/api/v1/responses/" in schema.body["paths"]
    assert stack.request("GET", "/api/docs/").status == 200


def test_ingest_replay_conflict_and_bad_input(stack, survey):
    created = stack.request("POST", "/api/v1/responses/", EXAMPLE, bearer=stack.source_key)
    assert created.status == 201, created.body
    assert created.body["ticket"]["status"] == "new"
    replay = stack.request("POST", "/api/v1/responses/", EXAMPLE, bearer=stack.source_key)
    assert replay.status == 200
    assert replay.body["duplicate"] is True and replay.body["id"] == created.body["id"]
    conflict = stack.request(
        "POST", "/api/v1/responses/", {**EXAMPLE, "score": 8}, bearer=stack.source_key
    )
    assert conflict.status == 409
    bad = stack.request(
        "POST", "/api/v1/responses/", {**EXAMPLE, "score": "3"}, bearer=stack.source_key
    )
    assert bad.status == 400 and "score" in bad.body["errors"]
    assert stack.request("POST", "/api/v1/responses/", EXAMPLE).status == 401
    garbage = stack.request("POST", "/api/v1/responses/", raw=b"{not json", bearer=stack.source_key)
    assert garbage.status == 400 and isinstance(garbage.body, dict)
    huge = stack.request(
        "POST",
        "/api/v1/responses/",
        {**EXAMPLE, "comment": "x" * 1_200_000},
        bearer=stack.source_key,
    )
    assert huge.status == 413 and isinstance(huge.body, dict)


def test_bulk_over_http(stack, survey):
    items = [
        {**EXAMPLE, "external_id": f"bulk-{i}", "customer": {"email": f"b{i}@example.com"}}
        for i in range(20)
    ]
    items[5]["score"] = 42
    answer = stack.request("POST", "/api/v1/responses/bulk/", items, bearer=stack.source_key)
    assert answer.status == 200
    statuses = [r["status"] for r in answer.body["results"]]
    assert statuses.count("created") == 19 and statuses[5] == "error"


def test_new_ticket_reaches_a_webhook_through_the_real_worker(stack, survey):
    receiver = Receiver()
    stack.manage(
        "shell",
        "-c",
        (
            "from notifications.models import WebhookEndpoint; "
            f"WebhookEndpoint.objects.create(name='crm', url='http://127.0.0.1:{receiver.port}/h', "
            "secret='s3cret', topics=['ticket.created'])"
        ),
    )
    body = {**EXAMPLE, "external_id": "hook-1", "customer": {"email": "hook@example.com"}}
    created = stack.request("POST", "/api/v1/responses/", body, bearer=stack.source_key)
    assert created.status == 201
    ticket_id = created.body["ticket"]["id"]

    def delivered():
        return [
            json.loads(raw)
            for _, raw in receiver.received
            if json.loads(raw)["data"]["ticket"]["id"] == ticket_id
        ]

    payloads = wait_until(delivered, 20, "the worker to deliver the ticket.created webhook")
    assert len(payloads) == 1
    headers, raw = next(
        (h, r) for h, r in receiver.received if json.loads(r)["data"]["ticket"]["id"] == ticket_id
    )
    expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    headers = {name.lower(): value for name, value in headers.items()}
    assert headers["x-feedbackdesk-signature"] == expected
