"""Business-time arithmetic: weekends, holidays, exceptions, DST, far-away zones."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.calendar import NoWorkingTime, business_deadline, business_minutes_between
from tests.sla.factories import UTC, at, calendar_make

pytestmark = pytest.mark.django_db

MOSCOW = "Europe/Moscow"


def test_friday_evening_plus_four_hours_is_monday_midday():
    calendar = calendar_make(zone=MOSCOW)
    due = business_deadline(calendar, at(MOSCOW, 2026, 11, 20, 17, 50), 240)
    assert due == at(MOSCOW, 2026, 11, 23, 12, 50)
    assert due.tzinfo == UTC


def test_start_outside_hours_counts_from_the_next_opening():
    calendar = calendar_make(zone=MOSCOW)
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 21, 11, 0), 30) == at(
        MOSCOW, 2026, 11, 23, 9, 30
    )
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 24, 7, 0), 0) == at(
        MOSCOW, 2026, 11, 24, 9, 0
    )
    # Exactly at closing time: nothing left today.
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 24, 18, 0), 1) == at(
        MOSCOW, 2026, 11, 25, 9, 1
    )


def test_deadline_ending_exactly_at_closing_stays_that_day():
    calendar = calendar_make(zone=MOSCOW)
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 24, 9, 0), 540) == at(
        MOSCOW, 2026, 11, 24, 18, 0
    )


def test_two_business_days_of_sixteen_hours():
    calendar = calendar_make(zone=MOSCOW)
    # Tue 10:00 + 16h (9h a day): Tue 8h, Wed 8h -> Wed 17:00.
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 24, 10, 0), 16 * 60) == at(
        MOSCOW, 2026, 11, 25, 17, 0
    )


def test_russian_new_year_holidays_are_skipped():
    calendar = calendar_make(zone=MOSCOW, country="RU")
    # 31 Dec 2026 is a substituted day off, 1–8 Jan 2027 are public holidays, 9–10 Jan
    # a weekend: Wednesday 30 Dec 17:00 + 2h is Monday 11 Jan 10:00.
    due = business_deadline(calendar, at(MOSCOW, 2026, 12, 30, 17, 0), 120)
    assert due == at(MOSCOW, 2027, 1, 11, 10, 0)


def test_subdivision_holidays_apply():
    # Bavaria keeps Epiphany (6 Jan); Berlin does not.
    bavaria = calendar_make(zone="Europe/Berlin", country="DE", subdivision="BY")
    berlin = calendar_make(zone="Europe/Berlin", country="DE", subdivision="BE")
    start = at("Europe/Berlin", 2027, 1, 5, 17, 30)  # Tuesday
    assert business_deadline(berlin, start, 60) == at("Europe/Berlin", 2027, 1, 6, 9, 30)
    assert business_deadline(bavaria, start, 60) == at("Europe/Berlin", 2027, 1, 7, 9, 30)


def test_extra_day_off_and_extra_working_day():
    calendar = calendar_make(
        zone=MOSCOW,
        exceptions=[
            (dt.date(2026, 11, 23), "day_off"),  # Monday off
            (dt.date(2026, 11, 28), "working_day"),  # Saturday worked, usual Monday hours
            (dt.date(2026, 11, 29), "working_day", dt.time(10), dt.time(14)),  # Sunday, own hours
        ],
    )
    # Friday 17:00 + 2h: Friday 1h, Monday off -> Tuesday 10:00.
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 20, 17, 0), 120) == at(
        MOSCOW, 2026, 11, 24, 10, 0
    )
    # Friday 27th 17:00 + 2h: Saturday works 09:00–18:00 -> Saturday 10:00.
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 27, 17, 0), 120) == at(
        MOSCOW, 2026, 11, 28, 10, 0
    )
    # Saturday 17:00 + 3h: 1h Saturday, then Sunday 10:00–14:00 -> Sunday 12:00.
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 28, 17, 0), 180) == at(
        MOSCOW, 2026, 11, 29, 12, 0
    )


def test_extra_working_day_overrides_a_public_holiday():
    calendar = calendar_make(
        zone=MOSCOW, country="RU", exceptions=[(dt.date(2027, 1, 4), "working_day")]
    )
    assert business_deadline(calendar, at(MOSCOW, 2026, 12, 30, 17, 0), 120) == at(
        MOSCOW, 2027, 1, 4, 10, 0
    )


def test_several_intervals_a_day_lunch_break():
    calendar = calendar_make(
        zone=MOSCOW, hours=((dt.time(9), dt.time(13)), (dt.time(14), dt.time(18)))
    )
    assert business_deadline(calendar, at(MOSCOW, 2026, 11, 24, 12, 30), 60) == at(
        MOSCOW, 2026, 11, 24, 14, 30
    )
    assert business_minutes_between(
        calendar, at(MOSCOW, 2026, 11, 24, 12, 0), at(MOSCOW, 2026, 11, 24, 15, 0)
    ) == pytest.approx(120)


@pytest.mark.parametrize(
    ("zone", "friday", "monday"),
    [
        # Europe/Berlin springs forward on Sunday 29 March 2026, falls back on 25 October.
        ("Europe/Berlin", dt.date(2026, 3, 27), dt.date(2026, 3, 30)),
        ("Europe/Berlin", dt.date(2026, 10, 23), dt.date(2026, 10, 26)),
        # America/New_York: 8 March and 1 November 2026.
        ("America/New_York", dt.date(2026, 3, 6), dt.date(2026, 3, 9)),
        ("America/New_York", dt.date(2026, 10, 30), dt.date(2026, 11, 2)),
    ],
)
def test_office_hours_keep_their_wall_clock_across_dst(zone, friday, monday):
    calendar = calendar_make(zone=zone)
    start = at(zone, *friday.timetuple()[:3], 17, 0)
    due = business_deadline(calendar, start, 120)
    assert due == at(zone, *monday.timetuple()[:3], 10, 0)
    # The UTC offset differs on either side of the change; the wall clock does not.
    assert start.utcoffset() != due.utcoffset()
    assert business_minutes_between(calendar, start, due) == pytest.approx(120)


@pytest.mark.parametrize(
    ("zone", "day", "real_hours"),
    [
        ("Europe/Berlin", dt.date(2026, 3, 29), 23),
        ("Europe/Berlin", dt.date(2026, 10, 25), 25),
        ("America/New_York", dt.date(2026, 3, 8), 23),
        ("America/New_York", dt.date(2026, 11, 1), 25),
    ],
)
def test_round_the_clock_calendar_counts_real_minutes_on_dst_days(zone, day, real_hours):
    calendar = calendar_make(zone=zone, days=range(7), hours=((dt.time(0), dt.time(0)),))
    midnight = at(zone, day.year, day.month, day.day, 0, 0)
    next_midnight = at(zone, day.year, day.month, day.day + 1, 0, 0)
    assert business_minutes_between(calendar, midnight, next_midnight) == real_hours * 60
    assert business_deadline(calendar, midnight, real_hours * 60) == next_midnight


def test_calendar_far_from_the_utc_server():
    """Yekaterinburg is UTC+5: 09:00 local is 04:00 UTC, and its day starts the UTC day before."""
    zone = "Asia/Yekaterinburg"
    calendar = calendar_make(zone=zone)
    # Monday 23 Nov 2026 03:30 UTC = 08:30 local: opens at 04:00 UTC.
    start = dt.datetime(2026, 11, 23, 3, 30, tzinfo=UTC)
    assert business_deadline(calendar, start, 60) == dt.datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    # Friday 12:30 UTC = 17:30 local: 30 min Friday, 30 min Monday from 04:00 UTC.
    friday = dt.datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    assert business_deadline(calendar, friday, 60) == dt.datetime(2026, 11, 23, 4, 30, tzinfo=UTC)
    # Sunday 23:30 UTC is already Monday 04:30 local: before opening.
    sunday_utc = dt.datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert business_deadline(calendar, sunday_utc, 10) == dt.datetime(
        2026, 11, 23, 4, 10, tzinfo=UTC
    )


def test_minutes_between_is_the_inverse_of_deadline():
    calendar = calendar_make(zone="America/New_York", country="US")
    start = at("America/New_York", 2026, 11, 25, 15, 17)  # the day before Thanksgiving
    for minutes in (0, 1, 59, 163, 540, 2000, 7777):
        due = business_deadline(calendar, start, minutes)
        assert business_minutes_between(calendar, start, due) == pytest.approx(minutes)
    assert business_minutes_between(calendar, start, start - dt.timedelta(days=1)) < 0


def test_fractional_minutes_are_exact_to_the_second():
    calendar = calendar_make(zone=MOSCOW)
    start = at(MOSCOW, 2026, 11, 24, 17, 59, 30)
    assert business_deadline(calendar, start, 1.5) == at(MOSCOW, 2026, 11, 25, 9, 1)


def test_a_deadline_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    calendar = calendar_make(zone=MOSCOW, country="RU")
    calendar.refresh_from_db()  # no schedule cached yet
    with django_assert_max_num_queries(2):
        business_deadline(calendar, at(MOSCOW, 2026, 12, 30, 10, 0), 60 * 200)
        business_minutes_between(
            calendar, at(MOSCOW, 2026, 12, 30, 10, 0), at(MOSCOW, 2027, 3, 1, 10, 0)
        )


def test_calendar_without_working_hours_is_refused():
    calendar = calendar_make(zone=MOSCOW, days=())
    with pytest.raises(NoWorkingTime):
        business_deadline(calendar, at(MOSCOW, 2026, 11, 24, 10, 0), 10)


def test_naive_datetimes_are_refused():
    calendar = calendar_make(zone=MOSCOW)
    with pytest.raises(ValueError):
        business_deadline(calendar, dt.datetime(2026, 11, 24, 10, 0), 10)
