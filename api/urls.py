"""The REST API under /api/v1/ (see CONTRACT.md)."""

from django.urls import path

from api import imports as imports_api
from api import reports as reports_api
from api import responses as responses_api
from api import tickets as tickets_api

urlpatterns = [
    path("responses/", responses_api.ResponseListCreateView.as_view(), name="api-responses"),
    path("responses/bulk/", responses_api.ResponseBulkView.as_view(), name="api-responses-bulk"),
    path("imports/<int:pk>/", imports_api.ImportJobView.as_view(), name="api-import"),
    path(
        "imports/<int:pk>/errors.csv",
        imports_api.ImportJobErrorsView.as_view(),
        name="api-import-errors",
    ),
    path("reports/nps/", reports_api.NpsReportView.as_view(), name="report-nps"),
    path("reports/sla/", reports_api.SlaReportView.as_view(), name="report-sla"),
    path("tickets/", tickets_api.TicketListView.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", tickets_api.TicketDetailView.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/claim/", tickets_api.TicketClaimView.as_view(), name="api-ticket-claim"),
    path(
        "tickets/<int:pk>/assign/", tickets_api.TicketAssignView.as_view(), name="api-ticket-assign"
    ),
    path(
        "tickets/<int:pk>/contacts/",
        tickets_api.TicketContactView.as_view(),
        name="api-ticket-contacts",
    ),
    path(
        "tickets/<int:pk>/status/", tickets_api.TicketStatusView.as_view(), name="api-ticket-status"
    ),
    path(
        "tickets/<int:pk>/resolve/",
        tickets_api.TicketResolveView.as_view(),
        name="api-ticket-resolve",
    ),
    path(
        "tickets/<int:pk>/reopen/", tickets_api.TicketReopenView.as_view(), name="api-ticket-reopen"
    ),
]
