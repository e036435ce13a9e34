"""The README's `drf_create_token <username>` keeps working, now making a hashed token."""

from accounts.management.commands.api_token_create import Command  # noqa: F401
