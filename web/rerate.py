"""The public one-click re-rate page: no login, the signed link is the key."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from intake import rerate as rerate_intake
from tickets import rerate

TEMPLATE = "web/rerate.html"


def _language(invitation) -> str:
    return invitation.locale or settings.LANGUAGE_CODE


def _refused(request, message: str, status: int):
    return render(request, TEMPLATE, {"state": "refused", "message": message}, status=status)


@never_cache
def rerate_page(request, token: str):
    try:
        invitation = rerate.invitation_from_token(token)
    except rerate.LinkInvalid:
        return _refused(request, _("This link is not valid."), 404)
    except rerate.LinkExpired:
        return _refused(request, _("This link has expired."), 410)
    except rerate.LinkUsed as used:
        with translation.override(_language(used.invitation)):
            return _refused(request, _("Thank you, we already have your answer."), 410)

    survey = invitation.ticket.origin_response.survey
    with translation.override(_language(invitation)):
        context = {
            "state": "form",
            "survey": survey,
            "question": _(survey.question),
            "scores": list(range(survey.scale_min, survey.scale_max + 1)),
            "errors": {},
            "comment": "",
            "chosen": None,
            "language": _language(invitation),
        }
        if request.method == "POST":
            raw = request.POST.get("score", "")
            comment = request.POST.get("comment", "")[: settings.COMMENT_MAX_LENGTH]
            context["comment"] = comment
            try:
                score = int(raw)
            except ValueError:
                score = None
            if score is None or not survey.scale_min <= score <= survey.scale_max:
                context["errors"]["score"] = _("Choose a score from %(min)d to %(max)d.") % {
                    "min": survey.scale_min,
                    "max": survey.scale_max,
                }
                return render(request, TEMPLATE, context, status=400)
            try:
                rerate_intake.rerate_submit(token=token, score=score, comment=comment)
            except rerate.LinkUsed:
                return _refused(request, _("Thank you, we already have your answer."), 410)
            except (rerate.LinkInvalid, rerate.LinkExpired):
                return _refused(request, _("This link is not valid."), 404)
            return render(request, TEMPLATE, {"state": "thanks", "language": context["language"]})
        return render(request, TEMPLATE, context)
