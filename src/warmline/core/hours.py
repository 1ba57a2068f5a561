"""Business hours, holidays and SLA due times. Every function takes `now`; nothing reads a clock.

Opening hours are wall-clock intervals in the calendar's time zone, so a queue open 09:00-18:00 in
Europe/Berlin stays open 09:00-18:00 local across daylight-saving changes. A holiday closes the whole day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

import holidays as holiday_data

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 400  # a calendar with no opening in this many days is treated as never open


@dataclass(frozen=True)
class CalendarSpec:
    name: str
    timezone: str = "UTC"
    always_open: bool = False
    hours: tuple[tuple[tuple[time, time], ...], ...] = ((),) * 7  # per weekday, Monday first
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    holiday_dates: frozenset[date] = frozenset()
    _holiday_years: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.holiday_dates:
            return True
        if not self.holiday_country:
            return False
        table = self._holiday_years.get(day.year)
        if table is None:  # memoised per year: building a country's table costs ~50 ms
            table = holiday_data.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision,
                                                  years=day.year)
            self._holiday_years[day.year] = table
        return day in table

    def holiday_name(self, day: date) -> str | None:
        if day in self.holiday_dates:
            return "holiday"
        if self.is_holiday(day):
            return self._holiday_years[day.year].get(day)
        return None


def parse_interval(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    return _parse_time(start), _parse_time(end)


def _parse_time(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    return time.max if hour == 24 else time(hour, minute)


def _intervals_on(cal: CalendarSpec, day: date) -> Iterator[tuple[datetime, datetime]]:
    """Opening intervals of a local day, as aware UTC datetimes."""
    if cal.is_holiday(day):
        return
    zone = cal.zone
    for start, end in cal.hours[day.weekday()]:
        a = datetime.combine(day, start, zone).astimezone(timezone.utc)
        b = datetime.combine(day, end, zone).astimezone(timezone.utc)
        if end == time.max:
            b = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
        yield a, b


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def _windows_from(cal: CalendarSpec, now: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Opening windows that end after `now`, in order."""
    local_day = now.astimezone(cal.zone).date() - timedelta(days=1)
    for offset in range(_SEARCH_DAYS):
        for a, b in _intervals_on(cal, local_day + timedelta(days=offset)):
            if b > now:
                yield a, b


def is_open(cal: CalendarSpec, now: datetime) -> bool:
    if cal.always_open:
        return True
    now = _utc(now)
    for a, _b in _windows_from(cal, now):
        return a <= now
    return False


def next_open(cal: CalendarSpec, now: datetime) -> datetime | None:
    """`now` if open, else the start of the next opening; None if the calendar never opens."""
    if cal.always_open:
        return _utc(now)
    now = _utc(now)
    for a, _b in _windows_from(cal, now):
        return max(a, now)
    return None


def add_business_time(cal: CalendarSpec, start: datetime, seconds: float) -> datetime | None:
    """The moment `seconds` of opening time have passed after `start` (an SLA due time)."""
    start = _utc(start)
    if cal.always_open:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=seconds)
    for a, b in _windows_from(cal, start):
        a = max(a, start)
        if b - a >= remaining:
            return a + remaining
        remaining -= b - a
    return None


def describe(cal: CalendarSpec, moment: datetime, now: datetime) -> str:
    """'09:00 UTC on Monday' / '14:30 CET today', for messages to customers."""
    local = moment.astimezone(cal.zone)
    today = _utc(now).astimezone(cal.zone).date()
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {local.strftime('%A')}"
    return f"{local.strftime('%H:%M')} {local.tzname()} {day}"
