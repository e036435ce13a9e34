from django.urls import re_path

from integrations.views import webhook_receive

app_name = "integrations"

urlpatterns = [
    # The trailing slash is optional: platforms POST to the URL exactly as pasted, and a
    # redirect would lose the body.
    re_path(r"^(?P<platform>[-\w]+)/(?P<slug>[-\w]+)/?$", webhook_receive, name="webhook"),
]
