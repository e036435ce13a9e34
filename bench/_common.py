"""What every benchmark needs before Django starts."""

from __future__ import annotations


def ensure_database(url: str) -> None:
    """Creates the PostgreSQL database named in url if it is missing."""
    if not url.startswith("postgres"):
        return
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def recreate_database(url: str) -> None:
    """Drops and creates the PostgreSQL database named in url (a benchmark's own)."""
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def pct(values: list[float], q: float) -> float:
    """The q-th quantile by nearest rank (what the benchmarks print as p50/p95)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def production_like_env() -> None:
    """DEBUG off (no query log), with what production settings then require; plain HTTP
    from the test client, so no redirect to HTTPS."""
    import os
    import random

    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault(
        "SECRET_KEY",
        "".join(random.SystemRandom().choices("abcdefghjkmnpqrstuvwxyz23456789", k=64)),
    )
