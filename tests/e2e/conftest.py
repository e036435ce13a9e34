"""The product as a customer's system sees it: gunicorn, a Celery worker and beat on
PostgreSQL and Redis, driven only over HTTP. The stack gets its own database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("E2E_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
E2E_REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/9")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=2, autocommit=True).close()
    except Exception:  # noqa: BLE001
        return False
    return True


def redis_answers() -> bool:
    try:
        import redis

        redis.Redis.from_url(E2E_REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        return False
    return True


@dataclass
class HttpAnswer:
    status: int
    body: object
    headers: dict


@dataclass
class Stack:
    base_url: str
    env: dict
    admin_token: str = ""
    source_key: str = ""
    processes: list = field(default_factory=list)
    logs: Path | None = None

    def request(
        self,
        method: str,
        path: str,
        body=None,
        *,
        token=None,
        bearer=None,
        raw: bytes | None = None,
        content_type="application/json",
    ) -> HttpAnswer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if token:
            request.add_header("Authorization", f"Token {token}")
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, payload, headers = answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            status, payload, headers = error.code, error.read(), dict(error.headers)
        except (urllib.error.URLError, ConnectionError) as error:
            return HttpAnswer(0, str(error), {})
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return HttpAnswer(status, parsed, headers)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout


def wait_until(predicate, timeout: float, what: str):
    """Polls a real process for a bounded time; used for process start-up, not deadlines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not postgres_answers():
        service_missing("end-to-end checks need PostgreSQL at " + PG_ADMIN_URL)
    if not redis_answers():
        service_missing("end-to-end checks need Redis at " + E2E_REDIS_URL)
    import psycopg
    import redis

    name = f"fd_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(E2E_REDIS_URL).flushdb()
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
        "REDIS_URL": E2E_REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "e2e-" + uuid.uuid4().hex + uuid.uuid4().hex,  # 50+ chars or no start
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on the loopback
        # The fuzzer and the contract tests send bursts; the limits have their own tests.
        "THROTTLE_INGEST": "",
        "THROTTLE_READ": "",
        "THROTTLE_AUTH_FAILURES": "",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "FD_VAR_DIR": str(var_dir),
        "SLA_SWEEP_INTERVAL": "1",
        "OUTBOX_FLUSH_INTERVAL": "1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": "consolemail://",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    stack = Stack(base_url=f"http://127.0.0.1:{port}", env=env, logs=var_dir)
    try:
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("collectstatic", "--noinput", "-v0")
        if "setup_periodic_tasks" in stack.manage("help", "--commands"):
            stack.manage("setup_periodic_tasks")
        stack.manage(
            "shell",
            "-c",
            (
                "from accounts.models import User; "
                "User.objects.create_superuser('e2e-admin', 'e2e@example.com', 'x-e2e-Pass-1')"
            ),
        )
        stack.admin_token = stack.manage("drf_create_token", "e2e-admin").split()[2]
        stack.source_key = stack.manage("source_create", "E2E shop").strip()
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "feedback_desk.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            "worker": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "feedback_desk",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--loglevel",
                "INFO",
                "--hostname",
                f"e2e-{name}@%h",
            ],
            "beat": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "feedback_desk",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(var_dir / "beat-schedule"),
            ],
        }
        for role, command in commands.items():
            log = open(var_dir / f"{role}.log", "w")  # noqa: SIM115 - closed with the process
            stack.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
        wait_until(lambda: stack.request("GET", "/healthz").status == 200, 30, "gunicorn")
        yield stack
    finally:
        for process in stack.processes:
            process.terminate()
        for process in stack.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
