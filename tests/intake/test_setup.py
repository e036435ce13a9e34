"""Setting up webhook sources: the command, and mapping checks in the admin's clean()."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from intake.models import WebhookSettings
from intake.platforms.typeform import sign
from surveys.models import IngestionSource, Response
from tests.intake.conftest import hook_source, payload, post_hook


def create(*args) -> dict:
    out = io.StringIO()
    call_command("webhook_source_create", *args, stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines())


def test_command_creates_a_source_whose_url_and_secret_work(client, survey):
    printed = create(
        "Typeform NPS",
        "--platform",
        "typeform",
        "--survey",
        "nps-2026",
        "--mapping",
        json.dumps({"score": "answer.nps_score"}),
    )
    assert printed["url"].endswith("/hooks/typeform/typeform-nps/")
    source = IngestionSource.objects.get(slug="typeform-nps")
    assert source.kind == "webhook" and source.webhook_secret == printed["secret"]
    raw = json.dumps(payload("typeform_form_response")).encode()
    answer = post_hook(
        client,
        "/hooks/typeform/typeform-nps/",
        raw,
        {"Typeform-Signature": sign(printed["secret"], raw)},
    )
    assert answer.status_code == 201, answer.json()
    assert Response.objects.get().source == source


def test_command_rerun_keeps_the_secret_unless_rotated(survey):
    first = create("Hook", "--platform", "generic")
    assert create("Hook", "--platform", "generic")["secret"].startswith("unchanged")
    rotated = create("Hook", "--platform", "generic", "--rotate-secret")["secret"]
    assert rotated != first["secret"]
    assert IngestionSource.objects.get(slug="hook").webhook_secret == rotated


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "typeform", "--mapping", '{"scroe": "answer.x"}'], "Unknown keys scroe"),
        (["--platform", "typeform", "--mapping", "{oops"], "not valid JSON"),
        (["--platform", "typeform", "--survey", "nope"], "Unknown survey"),
    ],
)
def test_command_refuses_bad_input(survey, args, message):
    with pytest.raises(CommandError, match=message):
        create("Hook", *args)
    assert not IngestionSource.objects.filter(slug="hook").exists()


def test_settings_clean_checks_mapping_keys_and_source_kind(survey):
    source = hook_source("survicate", survey=survey)
    config = WebhookSettings.objects.get(source=source)
    config.mapping = {"score_question": "12123", "customer_email": "attribute.mail"}
    config.full_clean()
    config.mapping = {"score": "answer.x"}
    with pytest.raises(ValidationError, match="Unknown keys score"):
        config.full_clean()
    config.mapping = ["not", "an", "object"]
    with pytest.raises(ValidationError, match="JSON object"):
        config.full_clean()
    source.kind = IngestionSource.Kind.API
    source.save()
    config = WebhookSettings.objects.get(source=source)
    with pytest.raises(ValidationError, match="Webhook"):
        config.full_clean()


def test_admin_lists_settings_with_the_hook_url(client, admin_user, survey):
    hook_source("typeform", survey=survey)
    client.force_login(admin_user)
    page = client.get("/admin/intake/webhooksettings/")
    assert page.status_code == 200
    assert "/hooks/typeform/typeform-hook/" in page.content.decode()
    assert "import-responses/" in page.content.decode()


def test_command_sets_the_platforms_own_secret_and_survicate_email_as_customer_id(client, survey):
    """Survicate generates the signing secret itself: it is pasted in with --secret."""
    from intake.platforms import survicate

    printed = create(
        "Survicate NPS",
        "--platform",
        "survicate",
        "--survey",
        "nps-2026",
        "--secret",
        "survicate-workspace-signing-secret",
        "--mapping",
        json.dumps({"score_question": "12123", "customer_external_id": "attribute.email"}),
    )
    assert printed["secret"] == "set from --secret"
    body = payload("survicate_question_answered")
    body["event"]["questionAnswered"]["choice"]["body"] = "2"  # by the named question alone
    raw = json.dumps(body).encode()
    answer = post_hook(
        client,
        "/hooks/survicate/survicate-nps/",
        raw,
        {"Hmac": survicate.sign("survicate-workspace-signing-secret", raw)},
    )
    assert answer.status_code == 201, answer.json()
    assert Response.objects.get().customer.external_id == "alan@example.com"
