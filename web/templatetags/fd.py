"""Small template helpers: durations, SLA badges and server-rendered SVG charts."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html as _format_html
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from feedback_desk.datetimes import moment_format
from sla.badges import clock_badge_data, ticket_badge_data

register = template.Library()


@register.filter
def moment(value, kind: str = "") -> str:
    """The one way a page shows a date-time: `{{ x|moment }}`, `{{ x|moment:"date" }}`."""
    return moment_format(
        value, kind="SHORT_DATE_FORMAT" if kind == "date" else "SHORT_DATETIME_FORMAT"
    )


@register.filter
def duration(seconds) -> str:
    """Compact, translated: '2 d 3 h', '4 h 10 min', '25 min'."""
    if seconds is None or seconds == "":
        return "—"
    if isinstance(seconds, dt.timedelta):
        seconds = seconds.total_seconds()
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.simple_tag
def age(since, now=None) -> str:
    now = now or timezone.now()
    return duration((now - since).total_seconds()) if since else "—"


def clock_state(*, due_at, warn_at, paused: bool, now) -> str:
    if due_at is None:
        return "paused" if paused else "none"
    if due_at <= now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "at_risk"
    return "running"


@register.inclusion_tag("web/_sla_badge.html")
def sla_badge(due_at=None, warn_at=None, paused=False, now=None, kind=""):
    now = now or timezone.now()
    state = clock_state(due_at=due_at, warn_at=warn_at, paused=paused, now=now)
    left = (due_at - now).total_seconds() if due_at else None
    return {"state": state, "left": left, "due_at": due_at, "kind": kind}


@register.inclusion_tag("web/_sla_badge.html")
def clock_badge(clock, now=None):
    now = now or timezone.now()
    return {**_clock_badge(clock, now), "badge": clock_badge_data(clock, now)}


def _clock_badge(clock, now):
    if clock.met_at:
        state = "late" if clock.breached_at or clock.met_at > clock.due_at else "met"
        return {"state": state, "left": None, "due_at": clock.due_at, "met_at": clock.met_at}
    if clock.paused_at:
        return {"state": "paused", "left": None, "due_at": clock.due_at}
    if clock.breached_at:
        return {
            "state": "breached",
            "left": (clock.due_at - now).total_seconds(),
            "due_at": clock.due_at,
        }
    return sla_badge(clock.due_at, clock.warn_at, False, now)


@register.inclusion_tag("web/_sla_badge.html")
def ticket_badge(ticket, now=None):
    """The badge of the ticket's nearest open deadline, naming its clock (no query)."""
    from web.selectors import nearest_clock

    clock = nearest_clock(ticket)
    if clock == "paused":
        badge = ticket_badge_data(list(ticket.clocks.all()), now or timezone.now())
        return {"state": "paused", "left": None, "due_at": None, "badge": badge}
    if clock is None:
        return {"state": "none", "left": None, "due_at": None, "badge": None}
    # which clock, as Zendesk and Zammad views say it: "First contact: overdue 2 h"
    return {**clock_badge(clock, now), "kind": clock.get_kind_display()}


@register.simple_tag
def manages_teams(user) -> bool:
    """Whether to show the manager's links (one query per page)."""
    from tickets.selectors import teams_managed_by

    return user.is_authenticated and teams_managed_by(user).exists()


@register.filter
def taxonomy(obj) -> str:
    from web.forms import taxonomy_label

    return taxonomy_label(obj)


@register.filter
def tel(phone) -> str:
    """A phone number as a tel: link wants it: digits and a leading plus."""
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    return f"+{digits}" if str(phone or "").strip().startswith("+") else digits


@register.filter
def segment(code) -> str:
    from web.labels import segment_label

    return segment_label(code or "")


@register.filter
def answer_channel(code) -> str:
    from web.labels import answer_channel_label

    return answer_channel_label(code or "")


@register.filter
def first_words(text: str, count: int = 12) -> str:
    words = (text or "").split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


@register.filter
def score_class(response) -> str:
    return {"promoter": "good", "passive": "mid", "detractor": "bad"}.get(
        getattr(response, "category", ""), ""
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


# --- charts ---------------------------------------------------------------------------

W, H, PAD = 640, 220, 36


def format_html(template_: str, *args):
    """django's format_html, with floats rounded to one decimal first (SVG coordinates)."""
    args = tuple(f"{a:.1f}" if isinstance(a, float) else a for a in args)
    return _format_html(template_.replace("{:.1f}", "{}"), *args)


def _svg(body, title: str, width=W, height=H):
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMidYMid meet"><title>{}</title>{}</svg>',
        width,
        height,
        title,
        title,
        body,
    )


def _num(value) -> str:
    return formats.number_format(value, use_l10n=True) if value is not None else "—"


def _week_ticks(series, step: float, height: int) -> list:
    n = len(series)
    return [
        format_html(
            '<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
            PAD + i * step + step / 2,
            height - 8,
            moment_format(series[i]["period_start"], kind="SHORT_DATE_FORMAT"),
        )
        for i in sorted({0, n // 2, n - 1})
    ]


@register.simple_tag
def nps_chart(series, title=""):
    """NPS by week as a line on its own −100…100 axis, each week's value written beside it."""
    if not series:
        return format_html('<p class="empty">{}</p>', _("No answers in this period."))
    n = len(series)
    step = (W - 2 * PAD) / n
    inner = H - 2 * PAD
    parts = []
    for value in (100, 50, 0, -50, -100):
        y = PAD + inner * (100 - value) / 200
        parts.append(
            format_html(
                '<line class="{}" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" />'
                '<text class="tick" x="{}" y="{:.1f}" text-anchor="end">{}</text>',
                "axis zero" if value == 0 else "grid",
                PAD,
                W - PAD,
                y,
                y,
                PAD - 4,
                y + 4,
                _num(value),
            )
        )
    points = [
        (PAD + i * step + step / 2, PAD + inner * (100 - row["nps"]) / 200, row)
        for i, row in enumerate(series)
        if row["nps"] is not None
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _r in points)
    parts.append(format_html('<polyline class="nps-line" points="{}" />', line))
    for x, y, row in points:
        parts.append(
            format_html(
                '<circle class="nps-dot" cx="{:.1f}" cy="{:.1f}" r="3.5">'
                "<title>{}: NPS {}</title></circle>"
                '<text class="val" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>',
                x,
                y,
                moment_format(row["period_start"], kind="SHORT_DATE_FORMAT"),
                _num(round(row["nps"])),
                x,
                y - 7 if row["nps"] < 85 else y + 15,
                _num(round(row["nps"])),
            )
        )
    parts.extend(_week_ticks(series, step, H))
    return _svg(mark_safe("".join(parts)), title or _("NPS by week"))


@register.simple_tag
def nps_shares_chart(series, title=""):
    """Promoters, passives and detractors as shares of each week's answers, on 0–100 %."""
    if not series:
        return ""
    n = len(series)
    step = (W - 2 * PAD) / n
    bar = max(step * 0.7, 2)
    inner = H - 2 * PAD
    parts = []
    for value in (0, 50, 100):
        y = H - PAD - inner * value / 100
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" />'
                '<text class="tick" x="{}" y="{:.1f}" text-anchor="end">{} %</text>',
                PAD,
                W - PAD,
                y,
                y,
                PAD - 4,
                y + 4,
                value,
            )
        )
    names = {"detractors": _("Detractors"), "passives": _("Passives"), "promoters": _("Promoters")}
    for i, row in enumerate(series):
        total = row["responses"] or 0
        x = PAD + i * step + (step - bar) / 2
        y = H - PAD
        for key, cls in (("detractors", "bad"), ("passives", "mid"), ("promoters", "good")):
            share = 100 * row[key] / total if total else 0
            h = inner * share / 100
            y -= h
            parts.append(
                format_html(
                    '<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                    "<title>{}: {} {} %</title></rect>",
                    cls,
                    x,
                    y,
                    bar,
                    h,
                    moment_format(row["period_start"], kind="SHORT_DATE_FORMAT"),
                    names[key],
                    _num(round(share)),
                )
            )
            if h >= 13 and bar >= 18:
                parts.append(
                    format_html(
                        '<text class="in-bar" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>',
                        x + bar / 2,
                        y + h / 2 + 4,
                        _num(round(share)),
                    )
                )
    parts.extend(_week_ticks(series, step, H))
    return _svg(mark_safe("".join(parts)), title or _("Answers by category: share of the week"))


@register.simple_tag
def bar_chart(values, labels, title="", cls="bar"):
    """Vertical bars with their counts: distributions."""
    top = max(values or [0]) or 1
    n = len(values) or 1
    step = (W - 2 * PAD) / n
    inner = H - 2 * PAD
    parts = []
    for i, (value, label) in enumerate(zip(values, labels, strict=False)):
        h = inner * value / top
        x = PAD + i * step + step * 0.15
        parts.append(
            format_html(
                '<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                "<title>{}: {}</title></rect>"
                '<text class="val" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>'
                '<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                cls,
                x,
                H - PAD - h,
                step * 0.7,
                h,
                label,
                value,
                x + step * 0.35,
                H - PAD - h - 4,
                _num(value),
                x + step * 0.35,
                H - 12,
                label,
            )
        )
    return _svg(mark_safe("".join(parts)), title)


@register.inclusion_tag("web/_pareto.html")
def pareto_chart(items, title=""):
    """Root causes by count (HTML rows, so long names wrap instead of being clipped), each
    with the cumulative share of all resolutions up to and including it."""
    top = (items[0]["n"] if items else 0) or 1
    rows = [{**item, "width": round(100 * item["n"] / top)} for item in items]
    return {"rows": rows, "title": title}


@register.simple_tag
def state_bars(by_state):
    """One stacked horizontal bar of open tickets by SLA state, with a legend."""
    order = [
        ("breached", _("Breached")),
        ("at_risk", _("At risk")),
        ("running", _("On track")),
        ("paused", _("Paused")),
    ]
    total = sum(by_state.get(k, 0) for k, _l in order) or 1
    x = 0.0
    parts = []
    for key, label in order:
        w = 600 * by_state.get(key, 0) / total
        parts.append(
            format_html(
                '<rect class="st-{}" x="{:.1f}" y="0" width="{:.1f}" height="28">'
                "<title>{}: {}</title></rect>",
                key,
                x,
                w,
                label,
                by_state.get(key, 0),
            )
        )
        x += w
    legend = format_html_join(
        "",
        '<li><span class="swatch st-{}"></span>{} <strong>{}</strong></li>',
        ((k, label, _num(by_state.get(k, 0))) for k, label in order),
    )
    svg = format_html(
        '<svg class="chart" viewBox="0 0 600 28" role="img" aria-label="{}">'
        "<title>{}</title>{}</svg>",
        _("Open tickets by SLA state"),
        _("Open tickets by SLA state"),
        mark_safe("".join(parts)),
    )
    return format_html('{}<ul class="legend">{}</ul>', svg, legend)
