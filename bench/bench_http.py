"""The bulk API as deployed, for bench/ingest_batch.py: gunicorn with its production
settings file plus a Celery worker, on the bench's database, and a plain HTTP client."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WSGI = "feedback_desk.wsgi:application"


@contextlib.contextmanager
def served(database_url: str):
    """gunicorn (2 workers, as deployed) and one Celery worker on the bench database; the
    worker drains the outbox meanwhile, as it would in production."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_TIMEOUT="120",
        # measure the synchronous engine path: 1,000-item bodies answered in the request
        BULK_ASYNC_THRESHOLD="1000",
        THROTTLE_INGEST="",
    )
    log = open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "ab")  # noqa: SIM115
    quiet = {"env": env, "cwd": ROOT, "stdout": log, "stderr": log}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", WSGI], **quiet
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "feedback_desk", "worker", "--concurrency", "1"],
        **quiet,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            process.wait(timeout=30)


def post_bulk(base: str, key: str, body: list) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1/responses/bulk/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())
