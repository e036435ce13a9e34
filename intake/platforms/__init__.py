"""The platforms webhooks can come from, by the <platform> part of /hooks/<platform>/<source>/."""

from types import ModuleType

from intake.platforms import generic, survicate, typeform

PLATFORMS: dict[str, ModuleType] = {
    module.NAME: module for module in (generic, typeform, survicate)
}


def platform_get(name: str) -> ModuleType | None:
    return PLATFORMS.get(name)
