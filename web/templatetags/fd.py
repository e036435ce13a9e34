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
    """The badge of the ticket's nearest open deadline (prefetched clocks, no query)."""
    from web.selectors import nearest_clock

    clock = nearest_clock(ticket)
    if clock == "paused":
        return {"state": "paused", "left": None, "due_at": None}
    if clock is None:
        return {"state": "none", "left": None, "due_at": None}
    return clock_badge(clock, now)


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


@register.simple_tag
def nps_chart(series, title=""):
    """Stacked weekly bars (detractors/passives/promoters share) with the NPS as a line."""
    if not series:
        return format_html('<p class="empty">{}</p>', _("No answers in this period."))
    n = len(series)
    step = (W - 2 * PAD) / n
    bar = max(step * 0.7, 2)
    inner = H - 2 * PAD
    parts = []
    points = []
    for i, row in enumerate(series):
        total = row["responses"] or 1
        x = PAD + i * step + (step - bar) / 2
        y = H - PAD
        for key, cls in (("detractors", "bad"), ("passives", "mid"), ("promoters", "good")):
            h = inner * row[key] / total
            y -= h
            parts.append(
                format_html(
                    '<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">'
                    "<title>{}: {}</title></rect>",
                    cls,
                    x,
                    y,
                    bar,
                    h,
                    row["period_start"],
                    row[key],
                )
            )
        if row["nps"] is not None:
            py = PAD + inner * (100 - row["nps"]) / 200
            points.append((x + bar / 2, py, row))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _r in points)
    parts.append(format_html('<polyline class="nps-line" points="{}" />', line))
    for x, y, row in points:
        parts.append(
            format_html(
                '<circle class="nps-dot" cx="{:.1f}" cy="{:.1f}" r="3">'
                "<title>NPS {}</title></circle>",
                x,
                y,
                _num(row["nps"]),
            )
        )
    mid = PAD + inner / 2
    parts.append(
        format_html('<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}" />', PAD, W - PAD, mid, mid)
    )
    for value in (100, 0, -100):
        y = PAD + inner * (100 - value) / 200
        parts.append(format_html('<text class="tick" x="4" y="{:.1f}">{}</text>', y + 4, value))
    if series:
        for i in sorted({0, n // 2, n - 1}):
            parts.append(
                format_html(
                    '<text class="tick" x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                    PAD + i * step + step / 2,
                    H - 10,
                    moment_format(series[i]["period_start"], kind="SHORT_DATE_FORMAT"),
                )
            )
    return _svg(mark_safe("".join(parts)), title or _("NPS by week"))


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


@register.simple_tag
def pareto_chart(items, title=""):
    """Horizontal bars sorted by count, with the cumulative share."""
    if not items:
        return format_html('<p class="empty">{}</p>', _("No resolutions in this period."))
    row_h = 24
    height = row_h * len(items) + 10
    label_w = 240
    top = items[0]["n"] or 1
    parts = []
    for i, item in enumerate(items):
        y = 5 + i * row_h
        w = (W - label_w - 90) * item["n"] / top
        parts.append(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="bar" x="{}" y="{}" width="{:.1f}" height="{}">'
                "<title>{}: {}</title></rect>"
                '<text class="val" x="{:.1f}" y="{}">{} · {}%</text>',
                label_w - 6,
                y + 16,
                item["cause"] or _("No root cause"),
                label_w,
                y + 3,
                w,
                row_h - 6,
                item["cause"],
                item["n"],
                label_w + w + 4,
                y + 16,
                _num(item["n"]),
                item["cumulative"],
            )
        )
    return _svg(mark_safe("".join(parts)), title, height=height)


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
