"""Threads in race tests: started as daemons and joined with a deadline, so a deadlock
fails the test with a message instead of hanging the whole run."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable


def start_all(targets: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    return threads


def join_all(threads: list[threading.Thread], timeout: float) -> None:
    """Joins every thread within `timeout` seconds in all; fails if any is still running."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {timeout}s (deadlock?): {stuck}"


def wait_for(predicate: Callable[[], object], timeout: float, what: str):
    """Polls a condition until it holds or the deadline passes (then fails naming it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def run_at_once(work: Callable[[int], object], threads: int, timeout: float = 120) -> list:
    """work(0) … work(threads - 1), each on its own thread and database connection,
    released together by a barrier; each result, or the exception it raised."""
    from django.db import connection

    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    join_all(start_all([functools.partial(runner, i) for i in range(threads)]), timeout)
    return results
