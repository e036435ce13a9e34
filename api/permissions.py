from rest_framework.permissions import BasePermission

from surveys.models import IngestionSource


def request_source(request) -> IngestionSource | None:
    return request.auth if isinstance(request.auth, IngestionSource) else None


class CanIngest(BasePermission):
    """A source key, or a signed-in user allowed to add responses."""

    def has_permission(self, request, view) -> bool:
        if request_source(request) is not None:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("surveys.add_response"))


class CanReadResponses(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("surveys.view_response"))
