"""Benchmark: one SLA sweep with 1,000 due clocks among 10,000 and among 1,000,000 open
tickets on PostgreSQL, in the same run. Goal: ratio < 2 (cost follows due work).

Run (from the repository root; only the server in DATABASE_URL is used: the data go
to dedicated databases fd_bench_10000 and fd_bench_1000000 (prefix BENCH_DB), created
and migrated if missing, seeded once and reused by later runs):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fd_bench python bench/sla_sweep.py

Seeding is server-side INSERT … SELECT generate_series (customers, answers, tickets and
two clocks per ticket), then ANALYZE. The 1,000 due clocks are first-contact clocks that
passed their deadline a minute ago under a business-calendar policy with an escalation
level, so each one costs a breach event, an outbox row and a business-time computation.
The broker hand-off after commit is switched off: it is a constant per row and not what
this measures.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DUE = 1_000
ROUNDS = 3
SIZES = (10_000, 1_000_000)
CHUNK = 250_000


def bench_url(size: int) -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fd_bench")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("bench/sla_sweep.py needs PostgreSQL in DATABASE_URL")
    name = f"{os.environ.get('BENCH_DB', 'fd_bench')}_{size}"
    return urlunsplit(parts._replace(path="/" + name))


def database_create(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    os.environ["DATABASE_URL"] = bench_url(SIZES[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    import notifications.services

    notifications.services._hand_to_broker = lambda delivery_id: None


def use_database(size: int) -> None:
    """Points Django's connection at this size's database, created and migrated."""
    from django.core.management import call_command
    from django.db import connection

    url = bench_url(size)
    database_create(url)
    connection.close()
    connection.settings_dict["NAME"] = urlsplit(url).path.lstrip("/")
    call_command("migrate", verbosity=0)


def seeded_already(size: int) -> dict | None:
    """Reuses a database seeded by an earlier run: seeding a million tickets takes minutes."""
    from django.db import connection

    from sla.models import SlaPolicy
    from surveys.models import IngestionSource, Survey
    from tickets.models import Team

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE status = 'new'")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sla_slaclock")
        clocks = cursor.fetchone()[0]
    if (tickets, clocks) != (size, 2 * size):
        return None
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticketevent, notifications_delivery")
        cursor.execute("UPDATE tickets_ticket SET escalated = false WHERE escalated")
    return {
        "team": Team.objects.get(slug="bench").pk,
        "policy": SlaPolicy.objects.get(name="Bench").pk,
        "survey": Survey.objects.get(slug="bench").pk,
        "source": IngestionSource.objects.get(slug="bench").pk,
    }


def reset(now: dt.datetime) -> dict:
    from django.db import connection

    from accounts.models import User
    from notifications.models import WebhookEndpoint
    from sla.models import BusinessCalendar, EscalationLevel, SlaPolicy, WorkingHours
    from surveys.models import IngestionSource, Survey
    from tickets.models import Team

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_ticketevent, sla_slaclock, tickets_contactattempt, "
            "tickets_resolution, tickets_ticket, surveys_response, surveys_customer, "
            "notifications_delivery, notifications_webhookendpoint, sla_escalationlevel, "
            "sla_slapolicyrule, sla_slapolicy, sla_workinghours, "
            "sla_calendarexception, sla_businesscalendar, tickets_team_members, "
            "tickets_team, surveys_survey, surveys_ingestionsource RESTART IDENTITY CASCADE"
        )
    manager, _ = User.objects.get_or_create(
        username="bench-manager", defaults={"email": "manager@example.com"}
    )
    team = Team.objects.create(name="Bench", slug="bench", is_fallback=True, manager=manager)
    calendar = BusinessCalendar.objects.create(name="Bench", time_zone="Europe/Moscow")
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=calendar, weekday=d, start=dt.time(0), end=dt.time(0))
        for d in range(7)
    )
    policy = SlaPolicy.objects.create(
        name="Bench",
        calendar=calendar,
        first_contact_minutes=240,
        resolution_minutes=960,
        is_default=True,
    )
    EscalationLevel.objects.create(policy=policy, level=1, after_minutes=60)
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/", topics=[])
    survey = Survey.objects.create(slug="bench", name="Bench")
    source = IngestionSource.objects.create(name="Bench", slug="bench")
    return {"team": team.pk, "policy": policy.pk, "survey": survey.pk, "source": source.pk}


SEED_SQL = [
    """INSERT INTO surveys_customer (id, external_id, email, name, phone, segment, locale,
           time_zone, preferred_channel, created_at, updated_at)
       SELECT i, 'c' || i, NULL, 'Customer ' || i, '', 'smb', '', '', '', %(now)s, %(now)s
       FROM generate_series(%(lo)s, %(hi)s - 1) AS i""",
    """INSERT INTO surveys_response (id, survey_id, customer_id, source_id, external_id, score,
           category, comment, channel, responded_at, received_at, metadata, ticket_id)
       SELECT i, %(survey)s, i, %(source)s, 'r' || i, 3, 'detractor', '', 'email',
              %(now)s, %(now)s, '{}'::jsonb, NULL
       FROM generate_series(%(lo)s, %(hi)s - 1) AS i""",
    """INSERT INTO tickets_ticket (id, customer_id, origin_response_id, status, priority,
           priority_rank, team_id, assignee_id, sla_policy_id, escalated, created_at,
           updated_at, reopened_count)
       SELECT i, i, i, 'new', 'normal', 20, %(team)s, NULL, %(policy)s, false,
              %(now)s - interval '1 hour', %(now)s, 0
       FROM generate_series(%(lo)s, %(hi)s - 1) AS i""",
    # Not due: checks spread over three weeks a year from now (so a reused database
    # stays valid), the same index shape as live data.
    """INSERT INTO sla_slaclock (ticket_id, kind, state, started_at, target_minutes,
           due_at, warn_at, paused_seconds, escalation_level, next_check_at)
       SELECT i, k.kind, 'running', %(now)s - interval '1 hour', k.minutes,
              %(now)s + interval '365 days' + (1 + i %% 40000) * interval '1 minute',
              %(now)s + interval '365 days' + (1 + i %% 30000) * interval '1 minute', 0, 0,
              %(now)s + interval '365 days' + (1 + i %% 30000) * interval '1 minute'
       FROM generate_series(%(lo)s, %(hi)s - 1) AS i,
            (VALUES ('first_contact', 240), ('resolution', 960)) AS k(kind, minutes)""",
]


def seed(ids: dict, lo: int, hi: int, now: dt.datetime) -> None:
    from django.db import connection, transaction

    from sla.clocks import SUMMARY_UPDATE_SQL

    # the tickets' queue summary of their clocks, as the SLA code keeps it
    summary_sql = SUMMARY_UPDATE_SQL.format(where="id >= %(lo)s AND id < %(hi)s")
    for start in range(lo, hi, CHUNK):
        params = {**ids, "lo": start, "hi": min(start + CHUNK, hi), "now": now}
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in SEED_SQL:
                cursor.execute(sql, params)
            cursor.execute(summary_sql, params)
    with connection.cursor() as cursor:
        for table in ("surveys_customer", "surveys_response", "tickets_ticket"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


def make_due(first_ticket: int, now: dt.datetime, count: int = DUE) -> None:
    """`count` first-contact clocks passed their deadline a minute ago (warned already)."""
    from django.db import connection

    from sla.clocks import SUMMARY_UPDATE_SQL

    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE sla_slaclock SET state = 'at_risk', warned_at = %(past)s,
                   warn_at = %(past)s, due_at = %(past)s, next_check_at = %(past)s,
                   breached_at = NULL, escalation_level = 0
               WHERE kind = 'first_contact' AND ticket_id >= %(lo)s AND ticket_id < %(hi)s""",
            {"past": now - dt.timedelta(minutes=1), "lo": first_ticket, "hi": first_ticket + count},
        )
        assert cursor.rowcount == count
        cursor.execute(
            SUMMARY_UPDATE_SQL.format(where="id >= %(lo)s AND id < %(hi)s"),
            {"lo": first_ticket, "hi": first_ticket + count},
        )
        cursor.execute("ANALYZE")


def sweep_once(now: dt.datetime) -> tuple[float, object]:
    from sla.sweep import sla_sweep

    started = time.perf_counter()
    result = sla_sweep(now=now)
    return time.perf_counter() - started, result


def explain(now: dt.datetime) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM sla_slaclock WHERE next_check_at IS NOT NULL "
            "AND next_check_at <= %s ORDER BY next_check_at LIMIT 500 FOR UPDATE SKIP LOCKED",
            [now],
        )
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main() -> None:
    setup()
    timings = []
    for size in SIZES:
        use_database(size)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.perf_counter()
        ids = seeded_already(size)
        if ids is None:
            ids = reset(now)
            seed(ids, 1, size + 1, now)
            print(f"seeded {size:>9,} open tickets in {time.perf_counter() - started:6.1f}s")
        else:
            print(f"reusing {size:>9,} open tickets seeded by an earlier run")
        make_due(1, now, count=50)  # warm-up: catalogs, caches, connection
        sweep_once(now)
        rounds = []
        for first in range(size + 1 - ROUNDS * DUE, size + 1, DUE):
            make_due(first, now)
            elapsed, result = sweep_once(now)
            assert result.breaches == DUE, result
            rounds.append(elapsed)
        timings.append(statistics.median(rounds))
        print(f"  sweeps: {', '.join(f'{r:.3f}s' for r in rounds)} ({result})")
    print("due-clock query plan at 1,000,000:\n" + explain(now))
    small, large = timings
    print(f"\nmedian of {ROUNDS} sweeps, {DUE:,} due clocks each")
    print(f"among    10,000 open tickets: {small:.3f}s")
    print(f"among 1,000,000 open tickets: {large:.3f}s")
    print(f"ratio: {large / small:.2f} (goal < 2)")


if __name__ == "__main__":
    main()
