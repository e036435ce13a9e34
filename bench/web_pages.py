"""Staff pages at volume: queue, ticket page and dashboard on PostgreSQL.

    python bench/web_pages.py [--tickets 1000000] [--responses 10000000] [--reuse]

Seeds a dedicated database (fd_bench_web by default; BENCH_DATABASE_URL overrides) with
generate_series, then times the pages in-process (Django test client, real middleware and
templates) and prints p50/p95 per page and the ratio to a baseline measured in the same run
(the login page: middleware + template, no data). Goals: queue and ticket p95 < 100 ms,
dashboard p95 < 500 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import pct, recreate_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fd_bench_web"
NOW_SQL = "TIMESTAMPTZ '2026-11-24 12:00:00+00'"


def sh(*args: str, env=None) -> None:
    subprocess.run(args, check=True, env=env, cwd=ROOT)


def seed(n: int, m: int) -> None:
    """Small reference rows with the ORM, the volume with INSERT … SELECT generate_series."""
    from django.db import connection, transaction

    from accounts.models import User
    from sla.clocks import SUMMARY_UPDATE_SQL
    from sla.models import SlaPolicy
    from surveys.models import IngestionSource, Survey
    from tickets.models import RootCause, Team

    survey = Survey.objects.create(slug="nps", name="NPS")
    source = IngestionSource.objects.create(name="bench", slug="bench")
    policy = SlaPolicy.objects.create(
        name="std", first_contact_minutes=240, resolution_minutes=2880, is_default=True
    )
    manager = User.objects.create_user("manager", password="bench-Pass-1", first_name="Mia")
    agents = []
    for t in range(1, 11):
        team = Team.objects.create(name=f"Team {t}", slug=f"team-{t}", is_fallback=t == 1)
        if t <= 2:
            team.manager = manager
            team.save()
        for a in range(5):
            agent = User.objects.create_user(f"agent{t}-{a}", password="bench-Pass-1")
            team.members.add(agent)
            agents.append(agent.pk)
    first_team = Team.objects.order_by("pk").first().pk
    causes = list(RootCause.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    agents_sql = "ARRAY[" + ",".join(map(str, agents)) + "]"
    causes_sql = "ARRAY[" + ",".join(map(str, causes)) + "]"
    year = 365 * 86400
    created = (
        f"CASE WHEN g % 20 = 0 THEN {NOW_SQL} - make_interval(secs => (g * 13) % (3 * 86400)) "
        f"ELSE {NOW_SQL} - make_interval(secs => (g::bigint * 7901) % {year}) END"
    )
    steps = [
        (
            "customers",
            f"""
            INSERT INTO surveys_customer (id, external_id, name, phone, segment, locale,
                time_zone, preferred_channel, created_at, updated_at)
            SELECT g, 'c' || g, 'Customer ' || g, '+7 900 ' || g,
                (ARRAY['enterprise','smb','consumer'])[1 + g % 3], 'ru',
                (ARRAY['Europe/Moscow','Asia/Vladivostok','Europe/Berlin'])[1 + g % 3],
                'phone', {NOW_SQL}, {NOW_SQL}
            FROM generate_series(1, {n}) g""",
        ),
        (
            "tickets",
            f"""
            INSERT INTO tickets_ticket (id, status, priority, priority_rank, escalated,
                created_at, updated_at, first_contacted_at, resolved_at, closed_at,
                reopened_count, recovered, assignee_id, customer_id, origin_response_id,
                sla_policy_id, team_id)
            SELECT g,
                CASE WHEN g % 20 = 0 THEN (CASE WHEN g % 40 = 0 THEN 'in_progress' ELSE 'new' END)
                     WHEN g % 20 < 16 THEN 'resolved' ELSE 'closed' END,
                'normal', 20, false, c, c,
                CASE WHEN g % 20 <> 0 OR g % 40 = 0 THEN c + make_interval(secs => g % 20000) END,
                CASE WHEN g % 20 <> 0 THEN c + make_interval(secs => g % 250000) END,
                CASE WHEN g % 20 >= 16 THEN c + make_interval(secs => 300000) END,
                0,
                CASE WHEN g % 20 BETWEEN 1 AND 5 THEN (g % 3 = 0) END,
                ({agents_sql})[1 + ((g / 7) % 10) * 5 + (g / 70) % 5],
                g, g, {policy.pk}, {first_team} + (g / 7) % 10
            FROM (SELECT g, {created} AS c FROM generate_series(1, {n}) g) s""",
        ),
        (
            "origin responses",
            f"""
            INSERT INTO surveys_response (id, external_id, score, category, comment, channel,
                responded_at, received_at, metadata, customer_id, source_id, ticket_id, survey_id)
            SELECT t.id, 'r' || t.id, t.id % 7, 'detractor',
                'Delivery was late and nobody called, order ' || t.id, 'email',
                t.created_at, t.created_at, '{{}}', t.id, {source.pk}, t.id, {survey.pk}
            FROM tickets_ticket t""",
        ),
        (
            "other responses",
            f"""
            INSERT INTO surveys_response (id, external_id, score, category, comment, channel,
                responded_at, received_at, metadata, customer_id, source_id, ticket_id, survey_id)
            SELECT g, 'r' || g, g % 11,
                CASE WHEN g % 11 <= 6 THEN 'detractor' WHEN g % 11 <= 8 THEN 'passive'
                     ELSE 'promoter' END,
                '', 'email', {NOW_SQL} - make_interval(secs => (g::bigint * 37) % {year}),
                {NOW_SQL}, '{{}}', 1 + (g::bigint * 7919) % {n}, {source.pk}, NULL, {survey.pk}
            FROM generate_series({n} + 1, {m}) g""",
        ),
        (
            "sla clocks",
            f"""
            INSERT INTO sla_slaclock (kind, state, started_at, target_minutes, due_at,
                warn_at, warned_at, breached_at, met_at, paused_at, paused_seconds,
                escalation_level, next_check_at, ticket_id)
            SELECT k.kind,
                CASE WHEN x.met IS NOT NULL AND x.met <= x.due THEN 'met'
                     WHEN x.met IS NOT NULL OR x.due <= {NOW_SQL} THEN 'breached'
                     WHEN x.warn <= {NOW_SQL} THEN 'at_risk' ELSE 'running' END,
                x.created_at, k.minutes, x.due, x.warn,
                CASE WHEN x.warn <= coalesce(x.met, {NOW_SQL}) THEN x.warn END,
                CASE WHEN x.due < coalesce(x.met, {NOW_SQL}) THEN x.due END,
                x.met, NULL, 0, 0,
                CASE WHEN x.met IS NULL AND x.due > {NOW_SQL} THEN
                    (CASE WHEN x.warn > {NOW_SQL} THEN x.warn ELSE x.due END) END,
                x.id
            FROM tickets_ticket t
            CROSS JOIN (VALUES ('first_contact', 240), ('resolution', 2880)) k(kind, minutes)
            CROSS JOIN LATERAL (SELECT t.id, t.created_at,
                t.created_at + make_interval(mins => k.minutes) AS due,
                t.created_at + make_interval(mins => k.minutes * 3 / 4) AS warn,
                CASE WHEN k.kind = 'first_contact' THEN t.first_contacted_at
                     ELSE t.resolved_at END AS met) x""",
        ),
        (
            # Ticket.next_due_at / sla_state, with the SQL the SLA code keeps them by
            "ticket SLA summaries",
            SUMMARY_UPDATE_SQL.format(
                where="id IN (SELECT ticket_id FROM sla_slaclock WHERE met_at IS NULL)"
            ),
        ),
        (
            "contact attempts",
            """
            INSERT INTO tickets_contactattempt (channel, outcome, note, occurred_at,
                flagged_excessive, created_at, by_id, ticket_id)
            SELECT 'phone', 'reached', '', first_contacted_at, false, first_contacted_at,
                assignee_id, id
            FROM tickets_ticket WHERE first_contacted_at IS NOT NULL""",
        ),
        (
            "resolutions",
            f"""
            INSERT INTO tickets_resolution (note, goodwill_kind, goodwill_currency,
                resolved_at, resolved_by_id, code_id, root_cause_id, ticket_id)
            SELECT '', '', '', resolved_at, assignee_id,
                (SELECT min(id) FROM tickets_resolutioncode) + id % 5,
                ({causes_sql})[1 + (id * 31) % {len(causes)}], id
            FROM tickets_ticket WHERE resolved_at IS NOT NULL""",
        ),
        (
            "timeline",
            """
            INSERT INTO tickets_ticketevent (at, kind, data, actor_id, ticket_id)
            SELECT created_at, 'created', '{}', NULL, id FROM tickets_ticket""",
        ),
    ]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        # The rows are consistent by construction: skip the per-row FK triggers, which
        # would otherwise run millions of deferred checks at commit.
        cur.execute("SET LOCAL session_replication_role = replica")
        for label, sql in steps:
            started = time.perf_counter()
            cur.execute(sql)
            took = time.perf_counter() - started
            print(f"  seeded {label}: {cur.rowcount:,} rows in {took:.1f} s", flush=True)
        for table in ("surveys_customer", "surveys_response", "tickets_ticket"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"  committed and analyzed in {time.perf_counter() - started:.1f} s")


def rollup_fill() -> None:
    """The daily NPS rollup, as the nightly rebuild leaves it (the dashboard reads it)."""
    import datetime as dt

    from django.utils import timezone

    from reports.models import ResponseRollupState
    from reports.services import nps_rollup_rebuild

    if ResponseRollupState.objects.filter(response_id_mark__isnull=False).exists():
        return
    started = time.perf_counter()
    # received_at of the seeded answers is NOW_SQL: make sure the mark is past it
    seeded_now = dt.datetime.fromisoformat(NOW_SQL.split("'")[1]) + dt.timedelta(minutes=5)
    result = nps_rollup_rebuild(now=max(timezone.now(), seeded_now))
    print(f"  NPS rollup built ({result}) in {time.perf_counter() - started:.1f} s")


def timed(client, url: str, runs: int) -> list[float]:
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="skip seeding, reuse the database")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback_desk.settings")
    if not args.reuse:
        recreate_database(url)
    # also on --reuse: a database seeded before the NPS rollup existed gets its table
    env = {**os.environ, "DATABASE_URL": url}
    sh(sys.executable, "manage.py", "migrate", "-v0", env=env)
    import django

    django.setup()
    from django.test import Client

    from accounts.models import User
    from tickets.models import Ticket

    if not args.reuse:
        started = time.perf_counter()
        print(f"seeding {args.tickets:,} tickets and {args.responses:,} responses …")
        seed(args.tickets, max(args.responses, args.tickets))
        print(f"seeded in {time.perf_counter() - started:.0f} s")
    rollup_fill()
    counts = {
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=["new", "in_progress"]).count(),
    }
    print(f"database: {counts['tickets']:,} tickets ({counts['open']:,} open)")
    manager = User.objects.get(username="manager")
    agent = User.objects.get(username="agent1-0")
    team_id = manager.managed_teams.order_by("pk").first().pk
    busy_ticket = Ticket.objects.filter(team_id=team_id).order_by("pk").first()
    client = Client()
    anon = Client()
    results = {}
    results["baseline: login page"] = timed(anon, "/accounts/login/", args.runs)
    client.force_login(agent)
    results["queue: my tickets (agent)"] = timed(client, "/queue/mine/", args.runs)
    results["queue: my team (agent)"] = timed(client, "/queue/team/", args.runs)
    client.force_login(manager)
    results["queue: all my teams (manager)"] = timed(client, "/queue/all/", args.runs)
    results["queue: all, breached filter"] = timed(client, "/queue/all/?sla=breached", args.runs)
    results["api: ticket list (manager)"] = timed(client, "/api/v1/tickets/", args.runs)
    results["ticket page"] = timed(client, f"/tickets/{busy_ticket.pk}/", args.runs)
    results["dashboard (30 days)"] = timed(client, "/dashboard/", max(10, args.runs // 3))
    results["dashboard (365 days)"] = timed(client, "/dashboard/?days=365", max(10, args.runs // 3))
    base = statistics.median(results["baseline: login page"])
    print(f"\n{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'x baseline p50':>15}")
    for name, values in results.items():
        p50, p95 = pct(values, 0.5), pct(values, 0.95)
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {p50 / base:15.1f}")


if __name__ == "__main__":
    main()
