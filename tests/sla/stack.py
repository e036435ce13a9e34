"""Real processes for the worker tests: Celery workers and beat on the pytest-django test
database, a private redis-server, and a small HTTP receiver for outbound webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str):
    """Polls real processes for a bounded time (start-up, delivery), never an SLA deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Receiver:
    """Collects signed webhook posts; answers 200."""

    def __init__(self, secret: str):
        self.secret = secret
        self.received: list[dict] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = (
                    "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                if not hmac.compare_digest(
                    expected, self.headers.get("X-FeedbackDesk-Signature", "")
                ):
                    receiver.bad_signatures += 1
                receiver.received.append({"body": json.loads(body), "at": time.time()})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def topics(self, topic: str) -> list[dict]:
        return [r for r in self.received if r["body"]["topic"] == topic]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class RedisServer:
    """A throw-away redis-server on its own port: killed and restarted by the tests."""

    def __init__(self, port: int, log_dir: Path):
        self.port = port
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        log = open(self.log_dir / f"redis-{self.port}.log", "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, 10, "redis-server")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except Exception:  # noqa: BLE001
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class CeleryStack:
    """Workers and beat as subprocesses pointed at the test database and a broker."""

    def __init__(self, *, redis_url: str, log_dir: Path, workers: int = 2):
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": redis_url,
            "SLA_SWEEP_INTERVAL": "1",
            "OUTBOX_FLUSH_INTERVAL": "1",
            "FD_VAR_DIR": str(log_dir),
            "EMAIL_URL": "consolemail://",
            "CONN_MAX_AGE": "0",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        self.workers = workers
        self.processes: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: list[str]):
        log = open(self.log_dir / f"{name}.log", "a")  # noqa: SIM115 - closed with the process
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "feedback_desk", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def start(self):
        for i in range(self.workers):
            self._spawn(
                f"worker{i}",
                [
                    "worker",
                    "--pool",
                    "threads",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"sla-test-{i}-{os.getpid()}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
            )
        self._spawn(
            "beat",
            [
                "beat",
                "--loglevel",
                "INFO",
                "--max-interval",
                "1",
                "--schedule",
                str(self.log_dir / "beat-schedule"),
            ],
        )

    def alive(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is None]

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def worker_log(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.log_dir.glob("worker*.log"))
        )

    def task_runs(self, task: str) -> int:
        """How many times the workers finished `task` (their INFO log says so)."""
        return sum(
            1
            for line in self.worker_log().splitlines()
            if f"Task {task}[" in line and " succeeded " in line
        )

    def broker_complaints(self) -> int:
        """Lines where a worker says it lost or cannot reach the broker."""
        log = self.worker_log()
        return log.count("Connection to broker lost") + log.count("Cannot connect to")

    def broker_idle(self, redis_url: str) -> bool:
        """No message waiting in the default queue and none taken but unacknowledged."""
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=1)
        return client.llen("celery") == 0 and client.hlen("unacked") == 0

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob("*.log"))
        )

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
