"""Calendars: weekly hours in a time zone, split shifts, holidays, DST, SLA due times in business time."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from warmline.core import hours
from warmline.core.hours import CalendarSpec

UTC = timezone.utc


def calendar(tz="UTC", week=None, **kw) -> CalendarSpec:
    if week is None:
        week = {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    spans = tuple(tuple(hours.parse_interval(s) for s in week.get(d, [])) for d in hours.WEEKDAYS)
    return CalendarSpec("test", tz, False, spans, **kw)


def at(y, m, d, hh, mm=0, tz=UTC):
    return datetime(y, m, d, hh, mm, tzinfo=tz if isinstance(tz, timezone) else ZoneInfo(tz))


def test_open_within_hours_and_closed_outside():
    cal = calendar()
    assert hours.is_open(cal, at(2026, 11, 2, 9, 0))
    assert not hours.is_open(cal, at(2026, 11, 2, 18, 0))
    assert not hours.is_open(cal, at(2026, 11, 7, 12, 0))  # Saturday


def test_split_shift_closes_over_lunch():
    cal = calendar(week={"mon": ["09:00-12:00", "13:00-17:00"]})
    assert hours.is_open(cal, at(2026, 11, 2, 11, 59))
    assert not hours.is_open(cal, at(2026, 11, 2, 12, 30))
    assert hours.next_open(cal, at(2026, 11, 2, 12, 30)) == at(2026, 11, 2, 13, 0)


def test_local_hours_follow_daylight_saving():
    cal = calendar("Europe/Berlin")
    # 09:00 in Berlin is 07:00 UTC in summer (CEST) and 08:00 UTC in winter (CET)
    assert hours.is_open(cal, at(2026, 7, 6, 7, 30))
    assert not hours.is_open(cal, at(2026, 11, 2, 7, 30))
    # The Friday before the autumn change closes at 18:00 CEST; the next opening is 09:00 CET on Monday
    assert hours.next_open(cal, at(2026, 10, 23, 17, 0)) == at(2026, 10, 26, 8, 0)


def test_us_spring_forward_keeps_local_opening_time():
    cal = calendar("America/New_York")
    # DST starts Sunday 8 March 2026: Monday opens 09:00 EDT = 13:00 UTC (it was 14:00 UTC the week before)
    assert hours.next_open(cal, at(2026, 3, 7, 12, 0)) == at(2026, 3, 9, 13, 0)
    assert hours.next_open(cal, at(2026, 2, 28, 12, 0)) == at(2026, 3, 2, 14, 0)


def test_public_holidays_close_the_day():
    cal = calendar("America/New_York", holiday_country="US")
    thanksgiving = at(2026, 11, 26, 12, 0, "America/New_York")
    assert not hours.is_open(cal, thanksgiving)
    assert hours.next_open(cal, thanksgiving) == at(2026, 11, 27, 9, 0, "America/New_York")
    assert cal.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"


def test_extra_holiday_dates():
    cal = calendar(holiday_dates=frozenset({date(2026, 11, 3)}))
    assert not hours.is_open(cal, at(2026, 11, 3, 10, 0))


def test_sla_due_counts_business_time_only():
    cal = calendar()
    # 10 minutes before closing plus a 30-minute target: 20 minutes run into Tuesday morning
    assert hours.add_business_time(cal, at(2026, 11, 2, 17, 50), 1800) == at(2026, 11, 3, 9, 20)
    # from Friday evening to Monday
    assert hours.add_business_time(cal, at(2026, 11, 6, 20, 0), 600) == at(2026, 11, 9, 9, 10)


def test_always_open_calendar():
    cal = CalendarSpec("always", always_open=True)
    moment = at(2026, 11, 8, 3, 0)
    assert hours.is_open(cal, moment) and hours.next_open(cal, moment) == moment
    assert hours.add_business_time(cal, moment, 60) == at(2026, 11, 8, 3, 1)


def test_a_calendar_that_never_opens_has_no_next_opening():
    cal = calendar(week={})
    assert hours.next_open(cal, at(2026, 11, 2, 10)) is None
    assert hours.add_business_time(cal, at(2026, 11, 2, 10), 60) is None


def test_describe_for_customers():
    cal = calendar()
    now = at(2026, 11, 7, 22, 0)
    assert hours.describe(cal, at(2026, 11, 9, 9, 0), now) == "09:00 UTC on Monday"
    assert hours.describe(cal, at(2026, 11, 8, 9, 0), now) == "09:00 UTC tomorrow"
