"""Platforms without a signature (Wootric, AskNicely): a per-source secret token, sent either
as the last part of the webhook URL (/hooks/<platform>/<source>/<token>/) or as a static header
the platform lets you configure (`Authorization: Bearer <token>` or `X-Webhook-Token: <token>`).
Compared in constant time; a missing or wrong token is a 401 before anything is read."""

from __future__ import annotations

from django.utils.translation import gettext as _

from intake.platforms import signing
from intake.platforms.base import Context, SignatureRejected

HEADER = "X-Webhook-Token"
AUTHORIZATION = "Authorization"


def sent_token(headers, context: Context) -> tuple[str, str]:
    """(token, where it came from) — the URL path first, then the headers."""
    if context.path_token:
        return context.path_token, "token"
    auth = headers.get(AUTHORIZATION, "").strip()
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), AUTHORIZATION
    return headers.get(HEADER, "").strip(), HEADER


def verify(*, body: bytes, headers, context: Context) -> None:
    signing.require_secret(HEADER, context.secret)
    token, where = sent_token(headers, context)
    if not token:
        raise SignatureRejected(
            HEADER,
            _(
                "Send the source's token in the URL (/hooks/<platform>/<source>/<token>/), "
                "as Authorization: Bearer <token>, or in the %(header)s header."
            )
            % {"header": HEADER},
        )
    if not signing.constant_equal(token, context.secret):
        raise SignatureRejected(where, _("The token does not match this source's token."))
