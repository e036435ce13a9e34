import io

import pytest
from django.core.management import CommandError, call_command

from surveys.models import IngestionSource


@pytest.mark.django_db
def test_source_create_prints_a_working_key_and_refuses_silent_rotation():
    out = io.StringIO()
    call_command("source_create", "Shop checkout", stdout=out)
    key = out.getvalue().strip()
    source = IngestionSource.objects.get(slug="shop-checkout")
    assert source.check_key(key)
    with pytest.raises(CommandError):
        call_command("source_create", "Shop checkout", stdout=io.StringIO())
    out = io.StringIO()
    call_command("source_create", "Shop checkout", "--rotate", stdout=out)
    source.refresh_from_db()
    assert not source.check_key(key)
    assert source.check_key(out.getvalue().strip())
