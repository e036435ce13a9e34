"""Fixtures of the reports tests."""

import pytest

from tests import factories


@pytest.fixture
def surveys(db):
    return [factories.SurveyFactory(slug="nps-a"), factories.SurveyFactory(slug="nps-b")]
