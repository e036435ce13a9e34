"""Unsafe production settings refuse to start; a plain `migrate` gives a working install."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from feedback_desk.checks import email_configured, sla_problems
from feedback_desk.heartbeat import sweep_age, sweep_heartbeat_record
from feedback_desk.production import DEV_SECRET_KEY, production_settings_check
from notifications.models import Delivery
from notifications.services import deliveries_flush
from tests.factories import TeamFactory, UserFactory, ingest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "".join(chr(ord("a") + i % 26) for i in range(60))


@pytest.mark.parametrize(
    ("key", "hosts", "word"),
    [
        (None, ["x.example"], "SECRET_KEY"),
        (DEV_SECRET_KEY, ["x.example"], "SECRET_KEY"),
        ("short-but-random-Key-123", ["x.example"], "SECRET_KEY"),
        ("a" * 60, ["x.example"], "SECRET_KEY"),
        (GOOD_KEY, [], "ALLOWED_HOSTS"),
    ],
)
def test_debug_off_refuses_unsafe_settings(key, hosts, word):
    with pytest.raises(ImproperlyConfigured, match=word):
        production_settings_check(debug=False, secret_key=key, allowed_hosts=hosts)
    production_settings_check(debug=True, secret_key=key, allowed_hosts=hosts)


def _start(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="feedback_desk.settings", **env_overrides)
    code = "import django; django.setup(); print('started')"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_app_does_not_start_with_the_public_key():
    refused = _start(ALLOWED_HOSTS="desk.example")
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr
    started = _start(ALLOWED_HOSTS="desk.example", SECRET_KEY=GOOD_KEY)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout


@pytest.mark.django_db
def test_without_email_url_emails_stay_pending_and_check_names_it(survey, source, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_CONFIGURED = False
    settings.DEBUG = False
    agent = UserFactory(username="olga", email="olga@example.com")
    TeamFactory(slug="general", is_fallback=True).members.add(agent)
    ingest(survey, source, score=1)
    assert deliveries_flush() == 0
    assert mail.outbox == []
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 0
    assert "EMAIL_URL" in delivery.last_error
    errors = email_configured()
    assert [e.id for e in errors] == ["feedback_desk.E001"]
    assert "EMAIL_URL" in errors[0].msg
    settings.EMAIL_CONFIGURED = True
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert deliveries_flush() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_migrate_creates_periodic_tasks_and_a_default_policy(settings, survey, source):
    from django_celery_beat.models import PeriodicTask

    from sla.models import SlaPolicy
    from tickets.install import on_post_migrate

    settings.INSTALL_DEFAULTS_ON_MIGRATE = True
    assert {e.id for e in sla_problems(strict=True)} == {
        "feedback_desk.E002",
        "feedback_desk.E003",
    }
    on_post_migrate(sender=None)
    on_post_migrate(sender=None)  # idempotent
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"sla.sweep", "notifications.deliveries_flush"} <= tasks
    assert {"tickets.rerate_invitations_send", "tickets.tickets_autoclose"} <= tasks
    policy = SlaPolicy.objects.get()
    assert (policy.is_default, policy.first_contact_minutes, policy.resolution_minutes) == (
        True,
        30,
        16 * 60,
    )
    assert policy.calendar.working_hours.count() == 5
    TeamFactory(slug="general", is_fallback=True)
    ticket = ingest(survey, source, score=1).response.ticket
    assert ticket.clocks.count() == 2
    sweep_heartbeat_record()
    assert sla_problems(strict=True) == []


@pytest.mark.django_db
def test_demo_defaults_take_over_from_the_install_default(settings):
    from sla.defaults import STANDARD_POLICY, default_sla_install, install_default_sla
    from sla.models import SlaPolicy

    assert default_sla_install() is True
    assert default_sla_install() is False
    install_default_sla()
    assert SlaPolicy.objects.get(is_default=True).name == STANDARD_POLICY


@pytest.mark.django_db
def test_the_sweep_task_records_its_heartbeat_and_healthz_reports_it(client, settings):
    from sla.tasks import sla_sweep

    sla_sweep()
    assert sweep_age() < 5
    body = client.get("/healthz").json()
    assert body["checks"]["sla_sweep"] == "ok"
    assert body["sla_sweep_age_seconds"] <= 5
    stale = timezone.now() - dt.timedelta(seconds=5 * settings.SLA_SWEEP_INTERVAL + 1)
    sweep_heartbeat_record(now=stale)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert "sla_sweep" in answer.json()["detail"]
    assert {e.id for e in sla_problems(strict=True)} >= {"feedback_desk.E003"}


@pytest.mark.django_db
def test_anonymous_healthz_does_not_name_hosts(client):
    from feedback_desk.celery import app as celery_app

    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        celery_app.pool.force_close_all()
        answer = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original
        celery_app.pool.force_close_all()
    assert answer.status_code == 503
    assert answer.json()["checks"]["broker"] == "down"
    assert "127.0.0.1" not in answer.content.decode()


def test_a_plain_migrate_on_a_fresh_database_installs_the_defaults(tmp_path):
    """A real `manage.py migrate` in a new process on an empty SQLite file: a data
    migration once switched every post_migrate handler off on a fresh database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "INSTALL_DEFAULTS_ON_MIGRATE")
    }
    env["FD_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, "manage.py"]
    done = subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    code = (
        "from sla.models import SlaPolicy; "
        "from django_celery_beat.models import PeriodicTask; "
        "print(SlaPolicy.objects.filter(is_default=True).count(), PeriodicTask.objects.count())"
    )
    out = subprocess.run(
        [*manage, "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split()[-2:] == ["1", "8"], out.stderr
