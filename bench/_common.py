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
