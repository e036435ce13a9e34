"""What every platform module provides, and the errors it raises.

A platform module defines:
    NAME: str                      – the <platform> part of /hooks/<platform>/<source>/
    SIGNATURE_HEADER: str          – the header its signature arrives in
    verify(*, body, headers, secret, settings, now) -> None   – raises SignatureRejected
    to_items(*, payload, settings) -> list[MappedItem] | Ignored – raises PayloadInvalid
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class SignatureRejected(Exception):
    """Missing, malformed, wrong or stale signature: answered 401 naming the header."""

    def __init__(self, header: str, message: str):
        super().__init__(message)
        self.header = header
        self.message = message


class PayloadInvalid(Exception):
    """The payload does not have the platform's shape: answered 400 naming the field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class FetchUnavailable(Exception):
    """The platform's API did not answer usefully now (down, 429, 5xx): try again later."""


class FetchRefused(Exception):
    """The platform's API refused the request for good (401, 403, 404…): retrying will not
    help; the fetch goes to the dead-letter box for an administrator."""


@dataclass
class MappedItem:
    """One answer in the contract's ingestion format, plus where each field came from."""

    item: dict
    paths: dict[str, str] = field(default_factory=dict)

    def name(self, key: str) -> str:
        """The payload path behind a contract field, so errors name what the sender sent."""
        if key in self.paths:
            return self.paths[key]
        head, _sep, _rest = key.partition(".")
        return self.paths.get(head, key)


@dataclass
class Ignored:
    """A well-signed delivery that carries no answer for us (another event, another question)."""

    reason: str


@dataclass
class Context:
    """What a platform needs to verify and map one delivery."""

    secret: str
    mapping: dict
    require_timestamp: bool = False
    tolerance_seconds: int = 300
    now: dt.datetime | None = None
    path_token: str = ""
    api_token: str = ""
    api_base: str = ""


@dataclass
class FetchLater:
    """A signed notification that only names an answer: the answer is fetched from the
    platform's API afterwards (intake.fetching), keyed by `response_id`."""

    response_id: str
    request: dict
