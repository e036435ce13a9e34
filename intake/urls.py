from django.urls import path

from intake.views import webhook_receive

app_name = "intake"

urlpatterns = [
    path("<slug:platform>/<slug:slug>/", webhook_receive, name="webhook"),
    # Platforms POST to the URL exactly as pasted; a slash redirect would lose the body.
    path("<slug:platform>/<slug:slug>", webhook_receive, name="webhook-no-slash"),
]
