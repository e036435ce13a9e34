"""Words for the codes the desk stores: segments, answer channels, duration buckets.

Codes nobody registered here (a segment a customer system invented) show as typed. The
timeline's sentences live in tickets/timeline.py (the admin shows them too).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# the timeline's sentences and the taxonomy's words live with the ticket workflow, which the
# admin shares; re-exported for the staff UI
from tickets.timeline import event_sentence, event_sentences, taxonomy_label  # noqa: F401

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


def segment_label(code: str) -> str:
    return str(SEGMENTS.get(code, code)) if code else ""


def answer_channel_label(code: str) -> str:
    return str(ANSWER_CHANNELS.get(code, code)) if code else ""
