"""API token authentication (hashed tokens, accounts.api_tokens) that refuses an address
after repeated wrong tokens."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from feedback_desk.throttling import auth_failure_guard, auth_failure_record


class GuardedTokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        auth_failure_guard(request)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            auth_failure_record(request)
            raise

    def authenticate_credentials(self, key):
        from accounts.api_tokens import api_token_user

        user, token = api_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or inactive token."))
        return user, token
