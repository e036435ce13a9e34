from django.urls import path

from surveys import api

urlpatterns = [
    path("responses/", api.ResponseListCreateView.as_view(), name="api-responses"),
    path("responses/bulk/", api.ResponseBulkView.as_view(), name="api-responses-bulk"),
]
