"""Ingestion sources authenticate with `Authorization: Bearer <key>`."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from feedback_desk.throttling import auth_failure_guard, auth_failure_record
from surveys.models import IngestionSource


class SourceKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        auth_failure_guard(request)
        if len(header) != 2:
            auth_failure_record(request)
            raise exceptions.AuthenticationFailed(
                _("Authorization header must be 'Bearer <source key>'.")
            )
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            auth_failure_record(request)
            raise exceptions.AuthenticationFailed(_("The source key is not valid text.")) from exc
        for source in IngestionSource.objects.filter(key_prefix=key[:12], is_active=True):
            if source.check_key(key):
                return AnonymousUser(), source
        auth_failure_record(request)
        raise exceptions.AuthenticationFailed(_("Unknown or inactive source key."))

    def authenticate_header(self, request):
        return self.keyword
