"""Bodies sent without Content-Length (Transfer-Encoding: chunked) keep the body limits.

gunicorn hands such a body to the application as a de-chunked wsgi.input with no
CONTENT_LENGTH, and Django alone would read it as empty. The WSGI-level tests build that
environ; the last test sends real chunked requests to gunicorn."""

from __future__ import annotations

import http.client
import io
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from intake.platforms.generic import sign
from surveys.models import Response
from tests.factories import detractor_payload
from tests.intake.conftest import SECRET
from tests.intake.test_import import GOOD_AND_BAD, import_source  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

BULK = "/api/v1/responses/bulk/"
HOOK = "/hooks/generic/generic-hook/"
CSRF_SECRET = "c" * 32


class Endless(io.RawIOBase):
    """A de-chunked wsgi.input of `total` bytes that counts what the application read."""

    def __init__(self, total: int):
        self.remaining = total
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        self.remaining -= size
        self.consumed += size
        return b"x" * size


def call_wsgi(path: str, stream, *, headers: dict | None = None, terminated: bool = True):
    """POSTs to feedback_desk.wsgi.application as gunicorn would a chunked request."""
    from feedback_desk.wsgi import application

    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": "application/json",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **(headers or {}),
    }
    if terminated:
        environ["wsgi.input_terminated"] = True  # gunicorn: wsgi.input ends with the body
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    # as Django's test client does: the test's transaction must outlive the request
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return started["status"], content


@pytest.fixture
def source_key_headers(source_key):
    return {"HTTP_AUTHORIZATION": f"Bearer {source_key}"}


@pytest.fixture
def generic_source(survey):
    from tests.intake.conftest import hook_source

    return hook_source("generic", survey=survey)


def test_chunked_bulk_body_over_the_limit_is_413_and_read_no_further(
    settings, survey, source_key_headers
):
    settings.MAX_BULK_BODY_BYTES = 10_000
    stream = Endless(5_000_000)
    status, content = call_wsgi(BULK, stream, headers=source_key_headers)
    assert status == 413, content
    body = json.loads(content)
    assert body == {
        "detail": "Request body is larger than the limit of 10000 bytes.",
        "code": "request_too_large",
        "errors": {},
    }
    assert stream.consumed == 10_001  # stopped at the first byte past the limit
    assert Response.objects.count() == 0


def test_chunked_bulk_body_within_the_limit_is_ingested(survey, source_key_headers):
    items = [
        detractor_payload(external_id="c-1", score=10),
        detractor_payload(external_id="c-2", score=9),
    ]
    status, content = call_wsgi(
        BULK, io.BytesIO(json.dumps(items).encode()), headers=source_key_headers
    )
    assert status == 200, content
    assert [r["status"] for r in json.loads(content)["results"]] == ["created", "created"]
    assert Response.objects.count() == 2


def test_chunked_single_body_keeps_the_one_megabyte_limit(settings, survey, source_key_headers):
    settings.MAX_REQUEST_BODY_BYTES = 5_000
    stream = Endless(2_000_000)
    status, content = call_wsgi("/api/v1/responses/", stream, headers=source_key_headers)
    assert status == 413
    assert json.loads(content)["code"] == "request_too_large"
    assert stream.consumed == 5_001


def test_chunked_webhook_over_the_webhook_limit_is_413(settings, generic_source):
    settings.WEBHOOK_MAX_BODY_BYTES = 300
    stream = Endless(3_000_000)
    status, content = call_wsgi(HOOK, stream)
    assert status == 413
    assert json.loads(content)["code"] == "request_too_large"
    assert stream.consumed == 301
    assert Response.objects.count() == 0


def test_chunked_signed_webhook_is_checked_on_its_raw_body_and_stored(generic_source):
    raw = json.dumps(detractor_payload()).encode()
    headers = {"HTTP_X_FEEDBACKDESK_SIGNATURE": sign(SECRET, raw, None)}
    status, content = call_wsgi(HOOK, io.BytesIO(raw), headers=headers)
    assert status == 201, content
    assert Response.objects.get().external_id == "resp-000123"
    # the same bytes with a wrong signature are still refused
    status, content = call_wsgi(
        HOOK, io.BytesIO(raw), headers={"HTTP_X_FEEDBACKDESK_SIGNATURE": "sha256=" + "0" * 64}
    )
    assert status == 401, content


def test_chunked_upload_reaches_the_upload_handlers(
    client,
    settings,
    admin_user,
    survey,
    import_source,  # noqa: F811 - fixture
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # the body and the file both go to disk
    client.force_login(admin_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    raw = encode_multipart(
        BOUNDARY,
        {
            "file": io.BytesIO(GOOD_AND_BAD.encode()),
            "source": import_source.pk,
            "format": "csv",
        },
    )
    status, content = call_wsgi(
        "/admin/intake/webhooksettings/import-responses/",
        io.BytesIO(raw),
        headers={
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; "
            f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}",
            "HTTP_X_CSRFTOKEN": CSRF_SECRET,
        },
    )
    assert status == 200, content[:500]
    assert Response.objects.count() == 3  # the good rows of the file


def test_chunked_body_the_server_does_not_end_is_411(survey, source_key_headers):
    """A server that does not end wsgi.input at the body's end cannot have it read."""
    status, content = call_wsgi(
        BULK, io.BytesIO(b"[]"), headers=source_key_headers, terminated=False
    )
    assert status == 411
    body = json.loads(content)
    assert body["code"] == "length_required"
    assert "Content-Length" in body["detail"]


def test_test_client_request_without_content_length_is_411_not_an_empty_body(ingest_api, survey):
    """Without the WSGI wrapper (test client, another entry point) nothing is lost silently."""
    answer = ingest_api.generic(
        "POST",
        BULK,
        json.dumps([detractor_payload()]),
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert answer.status_code == 411
    assert answer.json()["code"] == "length_required"
    assert Response.objects.count() == 0


# --- real gunicorn ---------------------------------------------------------------------


@contextmanager
def gunicorn(env_overrides: dict):
    """gunicorn with config/gunicorn.conf.py on the test database, as bench/bench_http.py."""
    from tests.sla.stack import ROOT, free_port, test_database_url

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "THROTTLE_INGEST": "",
        "LOG_LEVEL": "WARNING",
        **env_overrides,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.conf.py",
            "feedback_desk.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    web.kill()
                    raise AssertionError(
                        "gunicorn did not start: " + web.communicate()[1].decode()[-2000:]
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()


def post_chunked(port: int, path: str, chunks, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # an iterable body and no Content-Length: http.client sends it chunked
        conn.request("POST", path, body=iter(chunks), headers=headers, encode_chunked=True)
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gunicorn_reads_a_small_chunked_body_and_refuses_a_large_one_with_413(source_key):
    from tests.factories import SurveyFactory

    SurveyFactory(slug="nps-2026")
    headers = {"Authorization": f"Bearer {source_key}", "Content-Type": "application/json"}
    raw = json.dumps([detractor_payload(external_id="g-1", score=10)]).encode()
    with gunicorn({"MAX_BULK_BODY_BYTES": "20000"}) as port:
        status, body = post_chunked(port, BULK, [raw[:50], raw[50:]], headers)
        assert status == 200, body
        assert body["results"][0]["status"] == "created"

        status, body = post_chunked(port, BULK, [b"x" * 10_000] * 6, headers)
        assert status == 413, body
        assert body == {
            "detail": "Request body is larger than the limit of 20000 bytes.",
            "code": "request_too_large",
            "errors": {},
        }
    assert Response.objects.filter(external_id="g-1").count() == 1


def test_a_webhook_address_ending_in_bulk_keeps_the_webhook_limit(settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1_000
    stream = Endless(2_000_000)
    status, _content = call_wsgi("/hooks/generic/some-source/bulk/", stream)
    assert status == 413
    assert stream.consumed == 1_001  # the webhook limit, not the bulk API's 16 MB


def test_a_get_announcing_a_chunked_body_is_not_read():
    stream = Endless(5_000_000)
    status, _content = call_wsgi("/healthz", stream, headers={"REQUEST_METHOD": "GET"})
    assert status in (200, 503)
    assert stream.consumed == 0


def test_the_spooled_body_is_closed_with_the_response(survey, source_key_headers):
    """A body spilled to disk holds a file until closed: with the response, not later."""
    from feedback_desk.wsgi import application

    body = json.dumps([]).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": BULK,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": "application/json",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        **source_key_headers,
    }
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        result = application(environ, lambda *args: None)
        spool = environ["wsgi.input"]
        assert not spool.closed
        b"".join(result)
        result.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert spool.closed
