"""Look-ups by many text values find exactly the rows whatever the characters."""

from __future__ import annotations

import pytest

from intake.batch_sql import any_of
from surveys.models import Customer

AWKWARD = ["plain", 'quote"d', "back\\slash", "com,ma", "{brace}", "NULL", " space ", "ё-юникод"]


@pytest.mark.django_db
def test_any_of_matches_awkward_identifiers_exactly():
    for n, value in enumerate(AWKWARD):
        Customer.objects.create(external_id=value, email=f"c{n}@example.com")
    Customer.objects.create(external_id="other", email="other@example.com")
    found = any_of(Customer.objects.all(), "external_id", AWKWARD)
    assert sorted(c.external_id for c in found) == sorted(AWKWARD)
    found = any_of(
        Customer.objects.all(),
        "external_id",
        ["nobody"],
        or_field="email",
        or_values=["c1@example.com", "other@example.com"],
    )
    assert sorted(c.email for c in found) == ["c1@example.com", "other@example.com"]
