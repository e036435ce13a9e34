"""GET /api/v1/reports/nps/ and /sla/: thin views over reports.selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.report_schema import ERROR, NPS_BODY, NPS_PARAMETERS, SLA_BODY, SLA_PARAMETERS
from reports import params as p
from reports.selectors import nps_report
from reports.sla_selectors import TicketScope, sla_report
from tickets.selectors import teams_worked_by


def _parsed(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except p.BadParam as exc:
        raise ValidationError({exc.param: [exc.message]}) from exc


class NpsReportView(APIView):
    """NPS overall and by day/week/month. Filters: survey, segment, start, end, interval."""

    @extend_schema(
        parameters=NPS_PARAMETERS, responses={200: NPS_BODY, 400: ERROR, 401: ERROR, 403: ERROR}
    )
    def get(self, request):
        q = request.query_params
        period = _parsed(p.parse_period, q)
        report = nps_report(
            survey=_parsed(p.parse_survey, q),
            segment=_parsed(p.parse_segment, q),
            period=period,
            interval=_parsed(p.parse_interval, q),
        )
        for row in report["series"]:
            row["period_start"] = row["period_start"].isoformat()
        return Response(report)


class SlaReportView(APIView):
    """SLA statistics for tickets opened in the period, within the caller's teams."""

    @extend_schema(
        parameters=SLA_PARAMETERS, responses={200: SLA_BODY, 400: ERROR, 401: ERROR, 403: ERROR}
    )
    def get(self, request):
        q = request.query_params
        period = _parsed(p.parse_period, q)
        teams = teams_worked_by(request.user)
        team = _parsed(p.parse_team, q, teams)
        report = sla_report(scope=TicketScope.of_teams(teams), team=team, period=period)
        return Response(report)
