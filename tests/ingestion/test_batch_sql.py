"""Look-ups by many text values find exactly the rows whatever the characters."""

from __future__ import annotations

import pytest

from intake.batch_sql import any_of, ids_reserve
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


@pytest.mark.django_db
@pytest.mark.parametrize("rows_before", [0, 2])
def test_reserved_ids_are_never_handed_out_again(rows_before):
    """The engine writes answers and tickets with ids reserved first: an insert made after
    the reservation (here or by another writer) must not take one of them."""
    before = [Customer.objects.create(email=f"b{n}@example.com").pk for n in range(rows_before)]
    reserved = ids_reserve(Customer, 3)
    assert len(set(reserved)) == 3 and reserved == sorted(reserved)
    assert min(reserved) > max(before, default=0)
    meanwhile = Customer.objects.create(email="meanwhile@example.com")
    assert meanwhile.pk > max(reserved)
    Customer.objects.bulk_create(Customer(pk=pk, email=f"r{pk}@example.com") for pk in reserved)
    assert ids_reserve(Customer, 2)[0] > meanwhile.pk


def test_the_garbage_collector_is_paused_for_a_batch_and_always_resumed():
    import gc

    from intake.batch import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a batch inside a batch leaves it to the outer one
            pass
        assert not gc.isenabled()
        raise RuntimeError("a batch that fails")
    assert gc.isenabled()
