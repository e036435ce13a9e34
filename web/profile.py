"""The person's own preferences: language, time zone and how dates read in English."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from web import forms
from web.services import user_preferences_set


@login_required
def profile(request):
    """Language, time zone and date format: how the desk talks to this person."""
    form = forms.ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        user_preferences_set(
            user=request.user,
            language=d["language"],
            time_zone=d["time_zone"],
            date_style=d["date_style"],
        )
        messages.success(request, _("Preferences saved."))
        return redirect("profile")
    return render(request, "web/profile.html", {"form": form}, status=422 if form.errors else 200)
