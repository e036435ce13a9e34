"""The schema tells the truth: property-based requests generated from our own OpenAPI schema
(schemathesis) against the running stack, as an admin, an agent and an ingestion source key,
over every operation (reports included). Every check runs (no 5xx, documented status codes,
content types, headers and bodies, auth, methods) except the two that judge business
validation from the schema alone: `positive_data_acceptance` (a schema-valid unknown survey
slug or resolution code is rightly a 400) and `negative_data_rejection` (bulk answers 200 with
per-item errors by contract; an empty filter means no filter).

Bounded by examples per operation, not by time, so the number of cases is stable:
FUZZ_EXAMPLES (default 35) per operation and identity; under CI the total must reach 2,000."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from tests.conftest import service_missing
from tests.e2e.fuzz_world import SEED

pytestmark = pytest.mark.e2e

EXCLUDED_CHECKS = "positive_data_acceptance,negative_data_rejection"
CI_MINIMUM_CASES = 2000
FUZZER_ATTEMPTS = 3


@pytest.fixture(scope="module")
def credentials(stack):
    """Seeded after the contract tests of the same stack (they run first, by file name)."""
    try:
        stack.manage("shell", "-c", SEED)
    except subprocess.CalledProcessError as error:
        raise AssertionError(error.stderr[-3000:]) from error
    ingested = [
        stack.request("POST", "/api/v1/responses/", answer(n), token=stack.admin_token)
        for n in range(3)
    ]
    assert all(r.status == 201 and r.body["ticket"] for r in ingested), ingested
    agent = stack.manage("drf_create_token", "e2e-agent").split()[2]
    return {
        "admin": f"Token {stack.admin_token}",
        "agent": f"Token {agent}",
        "source key": f"Bearer {stack.source_key}",  # writes only: every read must say 401
    }


def answer(n: int) -> dict:
    return {
        "survey": "nps-2026",
        "external_id": f"fuzz-seed-{n}",
        "score": 2,
        "comment": "Seed for the fuzzer.",
        "responded_at": "2026-11-20T09:15:00+03:00",
        "customer": {"external_id": f"fuzz-{n}", "email": f"fuzz-{n}@example.com"},
    }


def operations_in_schema(stack) -> int:
    with urllib.request.urlopen(f"{stack.base_url}/api/schema/?format=json", timeout=30) as r:
        paths = json.load(r)["paths"]
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in paths.values() for method in item if method in methods)


def fuzz_failures(output: str) -> bool:
    return "Failures:" in output


def fuzzer_crashed(output: str) -> bool:
    """A crash inside the fuzzer's own process with no failed check: CPython 3.11.7's
    "AST constructor recursion depth mismatch" in hypothesis' repr of the recursive strategy
    for free-form JSON (`metadata`), now and then. A fresh run (new seed) gets past it."""
    return "SystemError: AST constructor recursion depth mismatch" in output and not (
        fuzz_failures(output)
    )


def fuzz(stack, credential: str) -> tuple[int, str]:
    examples = os.environ.get("FUZZ_EXAMPLES", "35")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{stack.base_url}/api/schema/?format=json",
        "--checks",
        "all",
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--header",
        f"Authorization: {credential}",
        "--max-examples",
        examples,
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "20",
        "--workers",
        "2",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    for attempt in range(1, FUZZER_ATTEMPTS + 1):
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "NO_COLOR": "1"},
        )
        output = done.stdout + done.stderr
        if done.returncode == 0 or not fuzzer_crashed(output) or attempt == FUZZER_ATTEMPTS:
            break
    assert done.returncode == 0, output[-8000:]
    generated = re.search(r"(\d+) generated", output)
    assert generated, output[-3000:]
    operations = operations_in_schema(stack)
    assert operations >= 10, operations  # the schema itself is not trivially small
    tested = re.search(r"Tested: (\d+)", output)
    assert tested and int(tested.group(1)) == operations, output[-3000:]
    return int(generated.group(1)), output


def test_schema_holds_for_generated_requests_as_admin_agent_and_source(stack, credentials):
    if not _module_available():
        service_missing("schemathesis is not installed")  # fails under CI, skips on a laptop
    total = 0
    for role, credential in credentials.items():
        cases, output = fuzz(stack, credential)
        print(f"{role}: {cases} cases, no failure\n{output[-600:]}")
        total += cases
    if os.environ.get("CI"):
        assert total >= CI_MINIMUM_CASES, f"only {total} generated cases"


def _module_available() -> bool:
    try:
        import schemathesis  # noqa: F401
    except ImportError:
        return False
    return True
