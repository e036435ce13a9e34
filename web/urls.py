from django.contrib.auth import views as auth_views
from django.urls import path

from web import profile, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="web/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html"),
        name="password_change_done",
    ),
    path("accounts/profile/", profile.profile, name="profile"),
    path("language/", views.language, name="language"),
    path("queue/bulk-assign/", views.bulk_assign, name="bulk-assign"),
    path("queue/<str:view>/", views.queue, name="queue"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/<str:action>/", views.ticket_action, name="ticket-action"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("export/tickets.csv", views.export_tickets, name="export-tickets"),
    path("export/responses.csv", views.export_responses, name="export-responses"),
]
