"""The platforms webhooks can come from, by the <platform> part of /hooks/<platform>/<source>/."""

from types import ModuleType

from intake.platforms import (
    asknicely,
    delighted,
    formbricks,
    generic,
    json_mapped,
    qualtrics,
    surveymonkey,
    survicate,
    typeform,
    wootric,
)

PLATFORMS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        generic,
        typeform,
        survicate,
        delighted,
        formbricks,
        wootric,
        asknicely,
        qualtrics,
        surveymonkey,
        json_mapped,
    )
}


def platform_get(name: str) -> ModuleType | None:
    return PLATFORMS.get(name)
