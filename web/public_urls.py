"""Public pages for customers (no login). Included at /r/ by feedback_desk/urls.py."""

from django.urls import path

from web.rerate import rerate_page

urlpatterns = [path("<str:token>/", rerate_page, name="rerate")]
