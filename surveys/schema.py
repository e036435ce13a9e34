"""OpenAPI description of the source-key scheme (`Authorization: Bearer <source key>`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SourceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SourceKeyAuthentication"
    name = "sourceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An ingestion source key (`manage.py source_create`); write only.",
        }
