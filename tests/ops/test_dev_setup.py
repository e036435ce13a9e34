"""`./dev` as a newcomer meets it: a fresh copy, nothing set, SQLite and the filesystem
broker. The current interpreter stands in for .venv so no packages are downloaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COUNTS = (
    "import json; from django.apps import apps; "
    "print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models()}))"
)


def fresh_copy(target: Path) -> Path:
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "venv", "var", "__pycache__", ".pytest_cache", ".ruff_cache", "*.pyc"
        ),
    )
    return target


def newcomer_env(**extra: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "FD_VAR_DIR", "DJANGO_SETTINGS_MODULE")
        and not key.startswith("PYTEST_")
    }
    env.update(FD_PYTHON=sys.executable, **extra)
    return env


def run(args, cwd: Path, env: dict, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def table_counts(repo: Path, env: dict) -> dict[str, int]:
    done = run([sys.executable, "manage.py", "shell", "-v0", "-c", COUNTS], repo, env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_setup_on_a_fresh_copy_migrates_loads_demo_and_a_second_seed_changes_nothing(tmp_path):
    repo = fresh_copy(tmp_path / "feedback_desk")
    env = newcomer_env()

    setup = run(["./dev", "setup"], repo, env)

    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (repo / "var" / "feedback_desk.sqlite3").exists()
    for login in ("admin    login: admin", "manager  login: manager", "agent    login: agent"):
        assert login in setup.stdout
    assert "http://127.0.0.1:8000/admin/" in setup.stdout
    key_line = next(line for line in setup.stdout.splitlines() if "'api' source key" in line)
    key = key_line.split()[-1]

    before = table_counts(repo, env)
    assert before["surveys.Response"] >= 500
    assert before["tickets.Ticket"] >= 50
    assert before["accounts.User"] >= 3

    again = run([sys.executable, "manage.py", "demo_seed"], repo, env)
    assert again.returncode == 0, again.stderr
    assert "0 new answers, 0 tickets moved along" in again.stdout
    assert key in again.stdout, "the printed source key must stay valid across runs"
    after = table_counts(repo, env)
    assert after == before


def test_dev_test_counts_no_collected_tests_as_a_failure(tmp_path):
    env = newcomer_env()
    env.pop("CI", None)
    done = run(["./dev", "test", "tests/ops", "-k", "no_test_has_this_name", "-q"], ROOT, env)
    assert done.returncode != 0
    assert "no tests" in done.stderr


def test_ci_runs_exactly_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.strip().startswith(("#", "set ", "cd "))
    ]
    assert commands == ["exec ./dev test"]
    readme = (ROOT / "README.md").read_text()
    first_commands = [line for line in readme.splitlines() if line.startswith("./dev ")][:2]
    assert first_commands == ["./dev start", "./dev test"]


@pytest.mark.parametrize("name", ["Procfile"])
def test_procfile_runs_web_worker_and_beat(name):
    roles = [
        line.split(":", 1)[0]
        for line in (ROOT / "config" / name).read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert roles == ["web", "worker", "beat"]
