from django.urls import path

from tickets import api

urlpatterns = [
    path("tickets/", api.TicketListView.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", api.TicketDetailView.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/claim/", api.TicketClaimView.as_view(), name="api-ticket-claim"),
    path("tickets/<int:pk>/assign/", api.TicketAssignView.as_view(), name="api-ticket-assign"),
    path("tickets/<int:pk>/contacts/", api.TicketContactView.as_view(), name="api-ticket-contacts"),
    path("tickets/<int:pk>/status/", api.TicketStatusView.as_view(), name="api-ticket-status"),
    path("tickets/<int:pk>/resolve/", api.TicketResolveView.as_view(), name="api-ticket-resolve"),
    path("tickets/<int:pk>/reopen/", api.TicketReopenView.as_view(), name="api-ticket-reopen"),
]
