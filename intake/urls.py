from django.urls import path

from intake.views import webhook_receive

app_name = "intake"

urlpatterns = [
    path("<slug:platform>/<slug:slug>/", webhook_receive, name="webhook"),
    # Platforms POST to the URL exactly as pasted; a slash redirect would lose the body.
    path("<slug:platform>/<slug:slug>", webhook_receive, name="webhook-no-slash"),
    # Platforms without signatures (Wootric, AskNicely): the source's token in the path.
    path("<slug:platform>/<slug:slug>/<str:token>/", webhook_receive, name="webhook-token"),
    path("<slug:platform>/<slug:slug>/<str:token>", webhook_receive),
]
