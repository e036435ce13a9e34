"""API tokens stored hashed: the key is shown once when made; the database keeps its
SHA-256 (a leaked backup does not leak working tokens). Revocable, with a last-used time.

Clients send `Authorization: Token <key>` as before (DRF's scheme)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LAST_USED_PRECISION = dt.timedelta(minutes=1)  # at most one UPDATE a minute per token


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


def api_token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Returns the token row and its key; the key cannot be read back later."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=token_hash(key))
    return token, key


def api_token_user(key: str, *, now: dt.datetime | None = None):
    """The active user of a valid, unrevoked key, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None, None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def api_tokens_revoke(*, tokens, now: dt.datetime | None = None) -> int:
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now())
