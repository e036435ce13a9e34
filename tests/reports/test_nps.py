import datetime as dt

import pytest

from reports.selectors import Period, nps_band, nps_report
from tests import factories

pytestmark = pytest.mark.django_db

MON = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)  # a Monday


def answer(survey, score, when, segment=""):
    customer = factories.CustomerFactory(segment=segment)
    return factories.ResponseFactory(
        survey=survey, customer=customer, score=score, responded_at=when
    )


@pytest.fixture
def answers(survey):
    # Week 1: 3 promoters, 1 passive, 1 detractor -> (3-1)/5 = 40
    for score in (10, 9, 9, 8, 2):
        answer(survey, score, MON, segment="enterprise")
    # Week 2: 1 promoter, 3 detractors -> (1-3)/4 = -50
    for score in (10, 0, 5, 6):
        answer(survey, score, MON + dt.timedelta(days=7), segment="smb")
    other = factories.SurveyFactory(slug="csat")
    answer(other, 10, MON)


def test_overall_nps_is_promoters_minus_detractors_over_all(answers, survey):
    report = nps_report(survey=survey)
    # 4 promoters, 1 passive, 4 detractors of 9 -> 0
    assert report["overall"] == {
        "promoters": 4,
        "passives": 1,
        "detractors": 4,
        "responses": 9,
        "nps": 0.0,
        "band": "needs_work",
    }


def test_weekly_series_and_filters(answers, survey):
    report = nps_report(survey=survey, interval="week")
    assert [(r["period_start"], r["nps"]) for r in report["series"]] == [
        (dt.date(2026, 11, 2), 40.0),
        (dt.date(2026, 11, 9), -50.0),
    ]
    assert nps_report(survey=survey, segment="smb")["overall"]["nps"] == -50.0
    period = Period(start=MON - dt.timedelta(days=1), end=MON + dt.timedelta(days=1))
    assert nps_report(survey=survey, period=period)["overall"]["responses"] == 5
    assert nps_report()["overall"]["responses"] == 10


def test_empty_set_has_no_nps(survey):
    assert nps_report(survey=survey)["overall"]["nps"] is None


@pytest.mark.parametrize(
    ("nps", "band"), [(51, "excellent"), (50, "good"), (10, "good"), (9.9, "needs_work")]
)
def test_bands_follow_settings(nps, band, settings):
    assert nps_band(nps) == band
    settings.NPS_BANDS = {"excellent": 70, "good": 30}
    assert nps_band(60) == "good"


def test_api_returns_the_same_numbers(answers, survey, admin_api):
    body = admin_api.get("/api/v1/reports/nps/", {"survey": "nps-2026", "interval": "week"}).json()
    assert body["overall"]["nps"] == 0.0
    assert body["series"][0] == {
        "period_start": "2026-11-02",
        "promoters": 3,
        "passives": 1,
        "detractors": 1,
        "responses": 5,
        "nps": 40.0,
        "band": "good",
    }
    body = admin_api.get(
        "/api/v1/reports/nps/", {"start": "2026-11-09", "end": "2026-11-09"}
    ).json()
    assert body["overall"]["responses"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-13-45"}, "end"),
        ({"interval": "hour"}, "interval"),
        ({"survey": "nope"}, "survey"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "end"),
    ],
)
def test_api_bad_params_are_400_naming_the_param(admin_api, params, field):
    response = admin_api.get("/api/v1/reports/nps/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_api_needs_authentication(api, db):
    assert api.get("/api/v1/reports/nps/").status_code in (401, 403)
