"""Words for the codes the desk stores: timeline details, segments, answer channels.

The timeline keeps machine data (ids, codes, ISO times); a person reads a sentence in their
language. Codes nobody registered here (a segment a customer system invented) show as typed.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from feedback_desk.datetimes import moment_format
from sla.models import SlaClock
from surveys.models import ContactChannel
from tickets.models import (
    ContactAttempt,
    Priority,
    ResolutionCode,
    RootCause,
    Status,
    Team,
    TicketEvent,
)

SEGMENTS = {
    "enterprise": gettext_lazy("Enterprise"),
    "smb": gettext_lazy("Small business"),
    "consumer": gettext_lazy("Consumer"),
}
ANSWER_CHANNELS = {
    "email": gettext_lazy("Email"),
    "sms": gettext_lazy("SMS"),
    "web": gettext_lazy("Website"),
    "in_app": gettext_lazy("In the app"),
    "phone": gettext_lazy("Phone"),
}
# The dashboard's duration histograms (web.selectors.DURATION_BUCKETS), in words.
DURATION_BUCKETS = [
    gettext_lazy("under 1 h"),
    gettext_lazy("1–4 h"),
    gettext_lazy("4–24 h"),
    gettext_lazy("1–3 days"),
    gettext_lazy("3–7 days"),
    gettext_lazy("over 7 days"),
]
REASONS = {"first_contact": gettext_lazy("after the first contact")}


def taxonomy_label(obj) -> str:
    """Seeded codes and causes are stored in English; show them translated when we can."""
    if obj is None:
        return ""
    name = _(obj.name)
    parent = getattr(obj, "parent", None) if getattr(obj, "parent_id", None) else None
    return f"{_(parent.name)} → {name}" if parent is not None else name


def segment_label(code: str) -> str:
    return str(SEGMENTS.get(code, code)) if code else ""


def answer_channel_label(code: str) -> str:
    return str(ANSWER_CHANNELS.get(code, code)) if code else ""


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value or "—"))


def _when(value) -> str:
    try:
        return moment_format(dt.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return ""


def event_sentences(events) -> dict[int, str]:
    """{event id: one sentence} for a ticket's timeline (two queries for the names)."""
    user_ids, team_slugs, codes = set(), set(), set()
    for e in events:
        data = e.data or {}
        if e.kind == TicketEvent.Kind.ASSIGNED:
            user_ids |= {data.get("from"), data.get("to")} - {None}
            team_slugs |= {data.get("team"), data.get("from_team")} - {None}
        elif e.kind == TicketEvent.Kind.RESOLVED:
            codes |= {data.get("code"), data.get("root_cause")} - {None}
        elif e.kind == TicketEvent.Kind.CREATED:
            team_slugs.add(data.get("team"))
            user_ids.add(data.get("assignee"))
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids - {None})}
    teams = dict(Team.objects.filter(slug__in=team_slugs - {None}).values_list("slug", "name"))
    names = {c.code: taxonomy_label(c) for c in ResolutionCode.objects.filter(code__in=codes)}
    causes = RootCause.objects.filter(code__in=codes).select_related("parent")
    names.update({f"cause:{c.code}": taxonomy_label(c) for c in causes})
    return {e.pk: event_sentence(e, users=users, teams=teams, names=names) for e in events}


def event_sentence(e, *, users: dict, teams: dict, names: dict | None = None) -> str:  # noqa: C901 - one case per kind
    d, K = e.data or {}, TicketEvent.Kind
    nobody = _("nobody")
    if e.kind == K.CREATED:
        text = _("Score %(score)s; team %(team)s; priority %(priority)s.") % {
            "score": d.get("score", "—"),
            "team": teams.get(d.get("team"), d.get("team") or "—"),
            "priority": _choice(Priority.choices, d.get("priority")).lower(),
        }
        if d.get("assignee"):
            text += " " + _("Assigned to %(name)s.") % {"name": users.get(d["assignee"], "—")}
        return text
    if e.kind == K.RESPONSE_ATTACHED:
        return _("Another answer, score %(score)s.") % {"score": d.get("score", "—")}
    if e.kind == K.ASSIGNED:
        if d.get("claimed"):
            return _("Took the ticket.")
        text = _("From %(old)s to %(new)s.") % {
            "old": users.get(d.get("from"), nobody),
            "new": users.get(d.get("to"), nobody),
        }
        if d.get("from_team") and d.get("from_team") != d.get("team"):
            text += " " + _("Team: %(old)s → %(new)s.") % {
                "old": teams.get(d["from_team"], d["from_team"]),
                "new": teams.get(d.get("team"), d.get("team")),
            }
        return text
    if e.kind == K.RESOLVED:
        names = names or {}
        text = _("Resolution: %(code)s.") % {"code": names.get(d.get("code"), d.get("code"))}
        if d.get("root_cause"):
            cause = names.get(f"cause:{d['root_cause']}", d["root_cause"])
            text += " " + _("Root cause: %(cause)s.") % {"cause": cause}
        return text
    if e.kind in (K.STATUS_CHANGED, K.REOPENED, K.CLOSED) and "to" in d:
        text = _("%(old)s → %(new)s") % {
            "old": _choice(Status.choices, d.get("from")),
            "new": _choice(Status.choices, d.get("to")),
        }
        reason = REASONS.get(d.get("reason"))
        return f"{text} ({reason})." if reason else f"{text}."
    if e.kind == K.CONTACT_LOGGED:
        text = _("%(channel)s: %(outcome)s, at %(when)s.") % {
            "channel": _choice(ContactChannel.choices, d.get("channel")),
            "outcome": _choice(ContactAttempt.Outcome.choices, d.get("outcome")).lower(),
            "when": _when(d.get("occurred_at")),
        }
        if d.get("callback_at"):
            text += " " + _("Call back at %(when)s.") % {"when": _when(d["callback_at"])}
        return text
    if e.kind == K.CONTACT_OVERFLOW:
        return _("%(n)s attempts within 24 hours.") % {"n": d.get("attempts_in_24h", "—")}
    if e.kind in (K.SLA_WARNING, K.SLA_BREACHED, K.SLA_MET):
        return _("%(clock)s, due %(when)s.") % {
            "clock": _choice(SlaClock.Kind.choices, d.get("clock")),
            "when": _when(d.get("due_at")),
        }
    if e.kind == K.CALLBACK_DUE:
        return _("The customer asked to be called at %(when)s.") % {
            "when": _when(d.get("callback_at"))
        }
    if e.kind == K.RERATE_INVITED:
        return _("Invitation sent to %(email)s.") % {"email": d.get("email", "—")}
    if e.kind == K.NOTE and d.get("sla_recalculated"):
        return _("Deadlines recalculated for a new SLA policy.")
    if e.kind == K.CLOSED:
        return _("Closed automatically.") if d.get("automatic") else ""
    return ""
