from __future__ import annotations

import pytest

from accounts.models import User
from tests.sla.factories import calendar_make, policy_make
from tickets.models import Team


@pytest.fixture
def manager(db):
    return User.objects.create(
        username="manager",
        email="manager@example.com",
        language="ru",
        time_zone="Asia/Yekaterinburg",
    )


@pytest.fixture
def agent(db):
    return User.objects.create(
        username="agent", email="agent@example.com", language="en", time_zone="Europe/Moscow"
    )


@pytest.fixture
def team(manager, agent):
    team = Team.objects.create(name="Care", slug="care", is_fallback=True, manager=manager)
    team.members.add(agent)
    return team


@pytest.fixture
def moscow(db):
    return calendar_make(zone="Europe/Moscow", country="RU")


@pytest.fixture
def policy(moscow):
    """The standard policy: first contact 4 business hours, resolution 16, warn at 75 %."""
    return policy_make(calendar=moscow, first_contact=240, resolution=960)


@pytest.fixture
def policy_24x7(db):
    return policy_make(calendar=None, first_contact=60, resolution=240)


@pytest.fixture
def redis_url_for_test():
    """This area's Redis database, emptied so no stale message reaches the workers."""
    import redis as redis_lib

    from tests.conftest import redis_url

    url = redis_url()
    redis_lib.Redis.from_url(url).flushdb()
    return url
