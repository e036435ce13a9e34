"""The project's URLs plus views that fail, to see what a 500 looks like."""

from django.urls import path

from feedback_desk.urls import handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/boom/", boom),
    path("hooks/boom/", boom),
    path("boom/", boom),
    *urlpatterns,
]
