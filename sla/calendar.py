"""Business time: when does N working minutes after a moment end, and how many working
minutes lie between two moments, in a calendar's own time zone.

A business minute is a real elapsed minute inside a working interval. Working intervals
are wall-clock times in the calendar's zone, turned into UTC per day, so DST changes and
calendars far from the (UTC) server come out right.

Which hours a local date has, first rule that applies:
1. a CalendarException of kind day_off: none;
2. a CalendarException of kind working_day: its own start/end if both are set, else the
   calendar's usual Monday hours, else 09:00–18:00;
3. a public holiday of the calendar's country/subdivision (the `holidays` package): none;
4. the WorkingHours rows of that weekday (several intervals a day are allowed).

An interval ending at 00:00 means "until midnight" (so 00:00–00:00 is the whole day).

`load_schedule` reads the rows once; the arithmetic then never touches the database, so
one deadline costs three queries at most however many days it spans.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

import holidays as holidays_lib

from sla.models import BusinessCalendar, CalendarException

DEFAULT_DAY = ((dt.time(9, 0), dt.time(18, 0)),)
SEARCH_DAYS = 3 * 366  # a calendar with no working time within 3 years is misconfigured

Interval = tuple[dt.time, dt.time]


class NoWorkingTime(ValueError):
    """The calendar has no working time left to count in."""


@functools.lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str):
    if not country:
        return None
    return holidays_lib.country_holidays(country.upper(), subdiv=subdivision or None)


@dataclass
class Schedule:
    """A calendar's rules, loaded once: weekly hours, exceptions, public holidays."""

    tz: dt.tzinfo
    weekly: dict[int, tuple[Interval, ...]]
    exceptions: dict[dt.date, tuple[Interval, ...]]
    country: str = ""
    subdivision: str = ""
    _days: dict[dt.date, tuple[tuple[dt.datetime, dt.datetime], ...]] = field(
        default_factory=dict, repr=False
    )

    def local_intervals(self, day: dt.date) -> tuple[Interval, ...]:
        if day in self.exceptions:
            return self.exceptions[day]
        public = _public_holidays(self.country, self.subdivision)
        if public is not None and day in public:
            return ()
        return self.weekly.get(day.weekday(), ())

    def intervals(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """Working intervals of a local date as aware UTC datetimes (memoised)."""
        cached = self._days.get(day)
        if cached is None:
            cached = tuple(
                (self._utc(day, start), self._utc(day, end, end_of_day=True))
                for start, end in self.local_intervals(day)
            )
            cached = tuple((s, e) for s, e in cached if e > s)
            self._days[day] = cached
        return cached

    def _utc(self, day: dt.date, time: dt.time, end_of_day: bool = False) -> dt.datetime:
        if end_of_day and time == dt.time(0, 0):
            day, time = day + dt.timedelta(days=1), dt.time(0, 0)
        # A wall time inside a spring-forward gap maps to the moment after the gap.
        local = dt.datetime.combine(day, time, tzinfo=self.tz)
        return local.astimezone(dt.UTC)

    @property
    def has_any_working_time(self) -> bool:
        return any(self.weekly.values()) or any(self.exceptions.values())


def load_schedule(calendar: BusinessCalendar) -> Schedule:
    """Reads a calendar's rows (cached on the instance for the rest of the call)."""
    cached = getattr(calendar, "_fd_schedule", None)
    if cached is not None:
        return cached
    weekly: dict[int, list[Interval]] = defaultdict(list)
    for row in calendar.working_hours.order_by("weekday", "start"):
        weekly[row.weekday].append((row.start, row.end))
    monday = tuple(weekly.get(0, ())) or DEFAULT_DAY
    exceptions: dict[dt.date, tuple[Interval, ...]] = {}
    for row in calendar.exceptions.all():
        if row.kind == CalendarException.Kind.DAY_OFF:
            exceptions[row.date] = ()
        elif row.start is not None and row.end is not None:
            exceptions[row.date] = ((row.start, row.end),)
        else:
            exceptions[row.date] = monday
    schedule = Schedule(
        tz=zoneinfo.ZoneInfo(calendar.time_zone),
        weekly={day: tuple(hours) for day, hours in weekly.items()},
        exceptions=exceptions,
        country=calendar.holiday_country or "",
        subdivision=calendar.holiday_subdivision or "",
    )
    calendar._fd_schedule = schedule
    return schedule


def _schedule(calendar: BusinessCalendar | Schedule) -> Schedule:
    return calendar if isinstance(calendar, Schedule) else load_schedule(calendar)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business time needs aware datetimes")
    return moment.astimezone(dt.UTC)


def _local_date(schedule: Schedule, moment: dt.datetime) -> dt.date:
    return moment.astimezone(schedule.tz).date()


def business_deadline(
    calendar: BusinessCalendar | Schedule, start: dt.datetime, minutes: float
) -> dt.datetime:
    """The moment when `minutes` of working time after `start` have passed (UTC).

    Zero minutes gives `start` if it is working time, else the next opening.
    """
    schedule = _schedule(calendar)
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if not schedule.has_any_working_time:
        raise NoWorkingTime("calendar has no working hours")
    start = _utc(start)
    remaining = dt.timedelta(minutes=minutes)
    # Start one local day early: an interval ending after midnight UTC may belong to it.
    day = _local_date(schedule, start) - dt.timedelta(days=1)
    for _ in range(SEARCH_DAYS):
        for opens, closes in schedule.intervals(day):
            if closes <= start:
                continue
            opens = max(opens, start)
            available = closes - opens
            if remaining <= available:
                return opens + remaining
            remaining -= available
        day += dt.timedelta(days=1)
    raise NoWorkingTime(f"no working time within {SEARCH_DAYS} days")


def business_minutes_between(
    calendar: BusinessCalendar | Schedule, start: dt.datetime, end: dt.datetime
) -> float:
    """Working minutes in [start, end); negative when end is before start."""
    schedule = _schedule(calendar)
    if end < start:
        return -business_minutes_between(schedule, end, start)
    start, end = _utc(start), _utc(end)
    total = dt.timedelta(0)
    day = _local_date(schedule, start) - dt.timedelta(days=1)
    last = _local_date(schedule, end)
    while day <= last:
        for opens, closes in schedule.intervals(day):
            overlap = min(closes, end) - max(opens, start)
            if overlap > dt.timedelta(0):
                total += overlap
        day += dt.timedelta(days=1)
    return total.total_seconds() / 60
