from django.urls import path

from reports.api import NpsReportView, SlaReportView

urlpatterns = [
    path("nps/", NpsReportView.as_view(), name="report-nps"),
    path("sla/", SlaReportView.as_view(), name="report-sla"),
]
