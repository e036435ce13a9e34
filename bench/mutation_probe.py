"""Mutation probe: breaks one security, scoping or SLA rule at a time in a scratch copy of
the repository and runs only the tests that guard it. A mutant the tests do not notice
("survived") is a rule no test protects.

    .venv/bin/python bench/mutation_probe.py            # every mutant (several minutes)
    .venv/bin/python bench/mutation_probe.py --list     # the table, nothing run
    .venv/bin/python bench/mutation_probe.py --only rerate-signature reopen-one-open

Uses FD_TEST_DATABASE_URL / FD_TEST_REDIS_URL like `./dev test` (PostgreSQL and Redis
must answer). Exit status 0 only when every mutant was killed. Not part of the suite.

MUTANTS is keyed by the file the patch applies to: when a file moves, change its key.
Each entry: (name, the rule it breaks, exact old text, new text, test files to run).
The old text must occur exactly once in the file, or the mutant is reported STALE.
"""

from __future__ import annotations

# fmt: off
MUTANTS: dict[str, list[tuple[str, str, str, str, tuple[str, ...]]]] = {
    'tickets/rerate.py': [
        ('rerate-signature', 'a re-rate link is accepted only with its own signature', 'pk = signer.unsign(token, max_age=link_max_age())', 'pk = token.split(":")[0]', ('tests/queue/test_rerate.py',)),
        ('rerate-expiry', 'a re-rate link expires', 'pk = signer.unsign(token, max_age=link_max_age())', 'pk = signer.unsign(token)', ('tests/queue/test_rerate.py',)),
        ('rerate-once', 'a re-rate link works once', '    if invitation.used_at is not None:\n        raise LinkUsed(invitation)', '    if False:\n        raise LinkUsed(invitation)', ('tests/queue/test_rerate.py',)),
        ('rerate-no-email', 'no invitation without an email address', 'if not survey.rerate_enabled or not email:', 'if not survey.rerate_enabled:', ('tests/queue/test_rerate.py',)),
    ],
    'tickets/selectors.py': [
        ('scope-managers-lose-teams', 'managers see the tickets of the teams they manage', 'Team.objects.filter(Q(members=user) | Q(manager=user)).values("pk")', 'Team.objects.filter(Q(members=user)).values("pk")', ('tests/queue/test_permissions.py',)),
        ('scope-every-team', 'a signed-in user sees only the tickets of their teams', 'Team.objects.filter(Q(members=user) | Q(manager=user)).values("pk")', 'Team.objects.values("pk")', ('tests/queue/test_permissions.py',)),
        ('manage-any-team', 'a manager manages only their own teams', 'return user_is_admin(user) or team.manager_id == user.pk', 'return user_is_admin(user) or user.groups.filter(name="manager").exists()', ('tests/queue/test_permissions.py', 'tests/queue/test_bad_input.py')),
        ('contact-window-always-open', "callbacks only inside the customer's contact window", '    return in_window(local.time(), team.contact_window_start, team.contact_window_end)', '    return True', ('tests/queue/test_status_and_contacts.py',)),
        ('contact-window-next-open-late', "the next opening is the window's next start", '    candidate = moment_local.replace(', '    return moment_local + dt.timedelta(days=3)\n    candidate = moment_local.replace(', ('tests/queue/test_status_and_contacts.py',)),
        ('contact-window-open-now-ignored', 'an open window opens now, not tomorrow', '        return moment_local\n    candidate', '        pass\n    candidate', ('tests/queue/test_status_and_contacts.py',)),
    ],
    'tickets/services/assignment.py': [
        ('claim-already-claimed', 'a claimed ticket cannot be claimed by another', '            return ticket_sync(ticket, locked)\n        raise TicketAlreadyClaimed(locked.assignee)', '            return ticket_sync(ticket, locked)\n        pass', ('tests/queue/test_concurrent_claim.py', 'tests/queue/test_api_queue.py')),
        ('assign-over-a-colleague', "an agent cannot take a ticket a colleague holds by assigning it", '            raise TicketAlreadyClaimed(locked.assignee)', '            pass', ('tests/queue/test_take_ticket.py',)),
        ('claim-no-effect', 'a successful claim assigns the ticket', '    locked.assignee = by\n    locked.save(update_fields=["assignee", "updated_at"])', '    pass', ('tests/queue/test_permissions.py',)),
        ('assign-move-team', 'only a manager of both teams moves a ticket between them', '        if not (user_can_manage(by, locked.team) and user_can_manage(by, target_team)):', '        if False:', ('tests/queue/test_permissions.py',)),
        ('assign-member', 'the assignee must belong to the target team', '        if not (is_member or target_team.manager_id == assignee.pk):', '        if False:', ('tests/queue/test_permissions.py', 'tests/queue/test_bad_input.py')),
        ('claim-team-check', "only an agent of the ticket's team may claim it", '    if not user_works_team(by, locked.team):\n        raise NotAllowed(\n            _("You are not an agent of team %(team)s.") % {"team": locked.team.name},\n            field="assignee",\n        )\n    locked.assignee = by', '    locked.assignee = by', ('tests/queue/test_permissions.py', 'tests/queue/test_concurrent_claim.py')),
    ],
    'tickets/services/lifecycle.py': [
        ('reopen-one-open', 'no reopen while the customer has another open ticket', '    if other is not None:\n        raise TicketClosed(', '    if False:\n        raise TicketClosed(', ('tests/queue/test_resolve_reopen_close.py',)),
        ('transition-waiting-to-closed', 'closed is reachable only from resolved', '    Status.WAITING_ON_CUSTOMER: (Status.IN_PROGRESS, Status.RESOLVED),', '    Status.WAITING_ON_CUSTOMER: (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),', ('tests/queue/test_status_and_contacts.py', 'tests/queue/test_bad_input.py')),
        ('transition-resolved-to-waiting', 'a resolved ticket is reopened, not set to waiting', '    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),', '    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER),', ('tests/web/test_actions.py', 'tests/queue/test_status_and_contacts.py')),
    ],
    'tickets/services/resolving.py': [
        ('resolve-needs-contact', 'resolving needs a contact attempt unless the code says not', '    if code.requires_contact and not locked.contact_attempts.exists():', '    if False:', ('tests/queue/test_resolve_reopen_close.py',)),
    ],
    'intake/admin.py': [
        ('import-staff-only', 'only staff may upload answers in the admin', 'self.admin_site.admin_view(responses_import_view)', '__import__("django.contrib.auth.decorators").contrib.auth.decorators.login_required(responses_import_view)', ('tests/intake/test_import.py',)),
    ],
    'intake/platforms/signing.py': [
        ('webhook-signature', 'a webhook is accepted only with a matching signature', '    if not hmac.compare_digest(sent.encode(), expected.encode()):', '    if not sent:', ('tests/intake/',)),
    ],
    'tickets/admin.py': [
        ('timeline-editable', 'the timeline in the admin is read-only', 'class TimelineInline(ReadOnlyInline):', 'class TimelineInline(admin.TabularInline):', ('tests/admin/test_admin_pages.py',)),
    ],
    'api/authentication.py': [
        ('source-key-any', 'a source key must match its hash, not just its prefix', '            if source.check_key(key):', '            if True:', ('tests/ingestion/',)),
        ('source-key-inactive', "a deactivated source's key no longer works", 'IngestionSource.objects.filter(key_prefix=key[:12], is_active=True)', 'IngestionSource.objects.filter(key_prefix=key[:12])', ('tests/ingestion/',)),
    ],
    'intake/serializers.py': [
        ('answer-from-the-future', 'an answer dated in the future is refused', '        if value > limit:', '        if False:', ('tests/ingestion/test_api_ingest.py',)),
    ],
    'sla/sweep.py': [
        ('breach-an-hour-late', 'a clock breaches at its deadline', 'and clock.due_at <= horizon', 'and clock.due_at + dt.timedelta(hours=1) <= horizon', ('tests/sla/test_sweep.py',)),
        ('breach-after-resolution', "a finished ticket's clocks stop at resolution", 'horizon = min(now, ticket.resolved_at or ticket.closed_at or now)', 'horizon = now', ('tests/sla/test_sweep.py',)),
    ],
    'sla/outcomes.py': [
        ('breached-at-sweep-time', 'a breach is recorded at the deadline, not at the sweep', '    clock.breached_at = clock.due_at', '    clock.breached_at = now', ('tests/sla/test_sweep.py',)),
    ],
    'sla/clocks.py': [
        ('met-late-not-breach', 'a clock met after its deadline is a breach', '    late = clock.paused_at is None and at > clock.due_at', '    late = False', ('tests/sla/test_clocks.py',)),
        ('deadline-ignores-calendar', "deadlines count the policy's business hours", '        return business_deadline(calendar, start, minutes)', '        return start + dt.timedelta(minutes=minutes)', ('tests/sla/test_clocks.py',)),
        ('resume-restarts-target', 'a resumed clock has only the minutes left at the pause', '            left = max(minutes_between(policy, clock.paused_at, clock.due_at), 0)', '            left = clock.target_minutes', ('tests/sla/test_clocks.py',)),
    ],
    'web/urls.py': [
        ('password-change-not-saved', 'a password change replaces the password', 'auth_views.PasswordChangeView.as_view(template_name="web/password_change.html")', 'type("V", (auth_views.PasswordChangeView,), {"form_valid": lambda self, form: __import__("django.http").http.HttpResponseRedirect(self.get_success_url())}).as_view(template_name="web/password_change.html")', ('tests/web/test_pages.py',)),
    ],
    'web/views.py': [
        ('bulk-assign-any-agent', 'only managers reassign in bulk', 'def bulk_assign(request):\n    if not user_is_manager(request.user):', 'def bulk_assign(request):\n    if False:', ('tests/web/test_actions.py',)),
        ('language-saved-before-check', 'a bad language is refused, not saved', '    if code not in dict(settings.LANGUAGES):\n        return HttpResponseBadRequest()\n    if request.user.is_authenticated:\n        user_language_set(user=request.user, language=code)\n', '    if request.user.is_authenticated:\n        user_language_set(user=request.user, language=code)\n    if code not in dict(settings.LANGUAGES):\n        return HttpResponseBadRequest()\n', ('tests/web/test_pages.py',)),
    ],
    'web/selectors.py': [
        ('pareto-cause-names', 'the Pareto chart names each cause under its parent', '        return f"{gettext(parent)} → {gettext(name)}" if parent else gettext(name)', '        return gettext(name)', ('tests/web/test_dashboard_numbers.py',)),
    ],
    'feedback_desk/datetimes.py': [
        ('deadline-in-utc', "deadlines show in the viewer's time zone", '        value = timezone.localtime(value, tz)', '        value = value.astimezone(dt.UTC)', ('tests/web/test_pages.py', 'tests/web/test_dates.py')),
    ],
}
# fmt: on

import argparse  # noqa: E402 - the table above is the part people edit
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SKIP = (
    ".git",
    ".venv",
    "venv",
    "var",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".schemathesis",
    "node_modules",
    "*.egg-info",
)


def flat() -> list[tuple[str, str, str, str, str, tuple[str, ...]]]:
    return [(path, *m) for path, mutants in MUTANTS.items() for m in mutants]


def scratch_copy() -> Path:
    """The working tree as it is (uncommitted edits included), without caches or .venv."""
    target = Path(tempfile.mkdtemp(prefix="fd-mutants-")) / "repo"
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*SKIP))
    return target


def test_env() -> dict:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # no stale bytecode between mutants
    env["DATABASE_URL"] = os.environ.get(
        "FD_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/feedback_desk"
    )
    env["REDIS_URL"] = os.environ.get("FD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def pytest_run(repo: Path, tests, timeout: int, select: str = "") -> tuple[int, str]:
    """pytest's exit status and the first failing test's id ("" when none failed)."""
    python = ROOT / ".venv" / "bin" / "python"
    command = [
        str(python if python.exists() else sys.executable),
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *tests,
        *(["-k", select] if select else []),
    ]
    try:
        done = subprocess.run(
            command, cwd=repo, env=test_env(), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return -1, "(timeout)"
    failed = [
        line.split()[1]
        for line in done.stdout.splitlines()
        if line.startswith(("FAILED tests/", "ERROR tests/"))  # the summary, not a log line
    ]
    return done.returncode, (failed[0] if failed else "")


def mutant_run(
    repo: Path, path: str, old: str, new: str, tests, timeout: int, select: str = ""
) -> tuple[str, str]:
    file = repo / path
    if not file.exists():
        return "STALE (file missing)", ""
    original = file.read_text(encoding="utf-8")
    if original.count(old) != 1:
        return f"STALE (old text found {original.count(old)} times)", ""
    file.write_text(original.replace(old, new), encoding="utf-8")
    try:
        code, failed = pytest_run(repo, tests, timeout, select)
    finally:
        file.write_text(original, encoding="utf-8")
    outcome = {0: "SURVIVED", 1: "KILLED", -1: "KILLED (timeout)"}.get(code, f"ERROR ({code})")
    return outcome, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run just these mutants")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    parser.add_argument("-k", dest="select", default="", help="pytest -k: only these tests")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per pytest run")
    args = parser.parse_args()
    chosen = [m for m in flat() if not args.only or m[1] in args.only]
    if args.only and len(chosen) != len(set(args.only)):
        known = {m[1] for m in flat()}
        print(f"unknown mutants: {sorted(set(args.only) - known)}", file=sys.stderr)
        return 2
    if args.list:
        for path, name, rule, *_rest, tests in chosen:
            print(f"{name:34} {path:34} {rule}  [{' '.join(tests)}]")
        return 0
    repo = scratch_copy()
    print(f"scratch copy: {repo}", flush=True)
    try:
        if not args.no_baseline:
            files = sorted({t for m in chosen for t in m[5]})
            started = time.monotonic()
            code, failed = pytest_run(repo, files, args.timeout * 2, args.select)
            print(
                f"baseline (unmutated, {len(files)} paths): pytest exit {code} "
                f"in {time.monotonic() - started:.0f}s",
                flush=True,
            )
            if code != 0:
                print(
                    f"the tests fail without any mutant ({failed}): fix that first", file=sys.stderr
                )
                return 2
        results = []
        for path, name, rule, old, new, tests in chosen:
            started = time.monotonic()
            outcome, failed = mutant_run(repo, path, old, new, tests, args.timeout, args.select)
            results.append((name, outcome))
            seconds = time.monotonic() - started
            print(f"{outcome:16} {name:32} {seconds:4.0f}s  {rule}", flush=True)
            if failed:
                print(f"{'':16} first failure: {failed}", flush=True)
    finally:
        shutil.rmtree(repo.parent, ignore_errors=True)
    killed = sum(outcome.startswith("KILLED") for _name, outcome in results)
    print(f"\nmutants killed: {killed} / {len(results)}")
    for name, outcome in results:
        if not outcome.startswith("KILLED"):
            print(f"  not killed: {name} ({outcome})")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
