"""API token authentication that refuses an address after repeated wrong tokens."""

from __future__ import annotations

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
