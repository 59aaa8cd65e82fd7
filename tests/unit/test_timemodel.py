"""The time model of DOMAIN.md §4 without a store: Oslo days, instants and `known_at`,
tertials, and the fold of a subject's events in (effective_on, version) order up to `as_of`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from governance.store.log import recorded_day
from governance.timemodel import (
    Tertial,
    TimeFormatError,
    end_of_oslo_day,
    fold,
    format_instant,
    oslo_day,
    parse_as_of,
    parse_day,
    parse_instant,
    parse_known_at,
    start_of_oslo_day,
)

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Days ------------------------------------------------------------------------------------


def test_day_is_parsed_from_yyyy_mm_dd():
    assert parse_day("2025-06-01") == date(2025, 6, 1)


@pytest.mark.parametrize(
    "text", ["2025-6-1", "2025-06-01T00:00:00Z", "2025-02-29", "２０２５-０６-０１", "", None, 20250601]
)
def test_day_in_any_other_form_is_refused(text):
    with pytest.raises(TimeFormatError):
        parse_day(text)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (utc(2025, 1, 14, 22, 59, 59, 999999), date(2025, 1, 14)),
        (utc(2025, 1, 14, 23, 0), date(2025, 1, 15)),
        (utc(2025, 7, 14, 21, 59, 59, 999999), date(2025, 7, 14)),
        (utc(2025, 7, 14, 22, 0), date(2025, 7, 15)),
        (utc(2025, 12, 31, 23, 30), date(2026, 1, 1)),
        (utc(2025, 3, 30, 0, 30), date(2025, 3, 30)),
    ],
)
def test_oslo_day_turns_at_midnight_in_oslo_not_in_utc(moment, day):
    assert oslo_day(moment) == day


def test_the_last_hour_of_the_calendar_in_utc_falls_on_its_last_day_in_oslo():
    assert oslo_day(utc(9999, 12, 31, 23, 30)) == date(9999, 12, 31)


def test_the_first_oslo_day_of_the_calendar_starts_at_the_first_instant_there_is():
    assert format_instant(start_of_oslo_day(date(1, 1, 1))) == "0001-01-01T00:00:00.000000Z"
    assert format_instant(start_of_oslo_day(date(1, 1, 2))) == "0001-01-01T23:17:00.000000Z"


def test_as_of_defaults_to_today_in_oslo():
    assert parse_as_of(None, utc(2025, 7, 14, 22, 30)) == date(2025, 7, 15)
    assert parse_as_of("", NOW) == date(2026, 1, 15)
    assert parse_as_of("2025-08-31", NOW) == date(2025, 8, 31)
    with pytest.raises(TimeFormatError):
        parse_as_of("2025-8-31", NOW)


# Instants --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-15T10:00:00Z", utc(2025, 9, 15, 10)),
        ("2025-09-15t10:00:00z", utc(2025, 9, 15, 10)),
        ("2025-09-15T10:00:00+02:00", utc(2025, 9, 15, 8)),
        ("2025-09-15T10:00:00 02:00", utc(2025, 9, 15, 8)),
        ("2025-09-15T10:00:00-05:30", utc(2025, 9, 15, 15, 30)),
        ("2025-09-15T00:30:00+01:00", utc(2025, 9, 14, 23, 30)),
        ("2025-09-15T10:00:00.5Z", utc(2025, 9, 15, 10, 0, 0, 500000)),
        ("2025-09-15T10:00:00.123456Z", utc(2025, 9, 15, 10, 0, 0, 123456)),
        ("2025-09-15T10:00:00.1234569Z", utc(2025, 9, 15, 10, 0, 0, 123456)),
        ("2025-09-15T10:00:00.999999999Z", utc(2025, 9, 15, 10, 0, 0, 999999)),
    ],
)
def test_instant_is_read_with_its_offset_as_utc(text, expected):
    moment = parse_instant(text)

    assert moment == expected
    assert moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2025-09-15T10:00:00",
        "2025-09-15 10:00:00Z",
        "2025-09-15T10:00Z",
        "2025-09-15T10:00:00.Z",
        "2025-09-15T10:00:00+0200",
        "2025-09-15T10:00:00+02",
        "2025-09-15T10:00:00+24:00",
        "2025-09-15T10:00:00+02:60",
        "2025-09-15T24:00:00Z",
        "2025-09-15T10:60:00Z",
        "2025-09-15T10:00:60Z",
        "2025-02-29T10:00:00Z",
        "2025-9-15T10:00:00Z",
        "2025-09-15",
        "２０２５-09-15T10:00:00Z",
        "2025-09-15T10:00:00.１Z",
        "2025-09-15T10:00:00Z ",
        "",
        "now",
    ],
)
def test_instant_in_any_other_form_is_refused(text):
    with pytest.raises(TimeFormatError):
        parse_instant(text)


def test_exact_instant_refuses_precision_beyond_microseconds_but_allows_trailing_zeros():
    assert parse_instant("2025-09-15T10:00:00.123456000Z", exact=True) == utc(2025, 9, 15, 10, 0, 0, 123456)
    with pytest.raises(TimeFormatError):
        parse_instant("2025-09-15T10:00:00.1234567Z", exact=True)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (utc(2025, 9, 15, 10), "2025-09-15T10:00:00.000000Z"),
        (utc(2025, 9, 15, 10, 0, 0, 1), "2025-09-15T10:00:00.000001Z"),
        (datetime(2025, 9, 15, 12, 0, tzinfo=timezone(timedelta(hours=2))), "2025-09-15T10:00:00.000000Z"),
        (utc(999, 1, 2, 3, 4, 5, 6), "0999-01-02T03:04:05.000006Z"),
        (utc(1, 1, 1), "0001-01-01T00:00:00.000000Z"),
        (utc(9999, 12, 31, 23, 59, 59, 999999), "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_instant_is_written_in_utc_with_six_fraction_digits(moment, text):
    assert format_instant(moment) == text
    assert parse_instant(text) == moment


# known_at --------------------------------------------------------------------------------


def test_known_at_date_in_winter_is_the_last_microsecond_of_the_oslo_day():
    assert parse_known_at("2025-01-15", NOW) == utc(2025, 1, 15, 22, 59, 59, 999999)


def test_known_at_date_in_summer_is_the_last_microsecond_of_the_oslo_day():
    assert parse_known_at("2025-09-15", NOW) == utc(2025, 9, 15, 21, 59, 59, 999999)


@pytest.mark.parametrize("day", [date(2025, 3, 30), date(2025, 10, 26)])
def test_known_at_date_on_a_daylight_saving_change_ends_at_midnight_in_oslo(day):
    end = end_of_oslo_day(day)

    assert oslo_day(end) == day
    assert oslo_day(end + timedelta(microseconds=1)) == day + timedelta(days=1)


def test_known_at_instant_is_read_with_its_offset():
    assert parse_known_at("2025-09-15T10:00:00+02:00", NOW) == utc(2025, 9, 15, 8)
    assert parse_known_at("2025-09-15T10:00:00.1234567Z", NOW) == utc(2025, 9, 15, 10, 0, 0, 123456)


@pytest.mark.parametrize("text", [None, ""])
def test_absent_known_at_is_now(text):
    assert parse_known_at(text, NOW) == NOW


@pytest.mark.parametrize("text", ["2026-01-15", "2026-06-01", "2026-01-15T09:00:00.000001Z", "9999-12-31"])
def test_known_at_in_the_future_is_read_as_now(text):
    assert parse_known_at(text, NOW) == NOW


def test_known_at_of_today_is_now_until_the_day_is_over():
    assert parse_known_at("2026-01-15", NOW) == NOW
    late = utc(2026, 1, 15, 23, 30)
    assert parse_known_at("2026-01-15", late) == utc(2026, 1, 15, 22, 59, 59, 999999)


@pytest.mark.parametrize("text", ["2025-9-15", "2025-09-15T10:00:00", "yesterday", "２０２５-０９-１５"])
def test_known_at_in_any_other_form_is_refused(text):
    with pytest.raises(TimeFormatError):
        parse_known_at(text, NOW)


# Tertials --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025-T1", date(2025, 1, 1), date(2025, 4, 30)),
        ("2025-T2", date(2025, 5, 1), date(2025, 8, 31)),
        ("2025-T3", date(2025, 9, 1), date(2025, 12, 31)),
        ("2024-T1", date(2024, 1, 1), date(2024, 4, 30)),
    ],
)
def test_tertial_runs_from_its_first_to_its_last_day(text, start, end):
    tertial = Tertial.parse(text)

    assert (tertial.start, tertial.end, str(tertial)) == (start, end, text)
    assert start in tertial and end in tertial
    assert start - timedelta(days=1) not in tertial
    assert end + timedelta(days=1) not in tertial


@pytest.mark.parametrize(
    "text", ["2025-T0", "2025-T4", "2025-t1", "2025T1", "25-T1", "0000-T1", "2025-T1 ", "２０２５-T1", ""]
)
def test_tertial_in_any_other_form_is_refused(text):
    with pytest.raises(TimeFormatError):
        Tertial.parse(text)


@pytest.mark.parametrize(
    ("text", "previous"),
    [("2025-T3", "2025-T2"), ("2025-T2", "2025-T1"), ("2025-T1", "2024-T3")],
)
def test_previous_tertial_crosses_the_year(text, previous):
    assert str(Tertial.parse(text).previous) == previous


def test_first_tertial_of_year_one_has_no_previous():
    assert Tertial.parse("0001-T1").previous is None


@pytest.mark.parametrize(
    ("day", "tertial"),
    [
        (date(2025, 1, 1), "2025-T1"),
        (date(2025, 4, 30), "2025-T1"),
        (date(2025, 5, 1), "2025-T2"),
        (date(2025, 8, 31), "2025-T2"),
        (date(2025, 9, 1), "2025-T3"),
        (date(2025, 12, 31), "2025-T3"),
    ],
)
def test_tertial_containing_a_day(day, tertial):
    assert str(Tertial.containing(day)) == tertial


def test_tertials_order_by_year_then_number():
    assert Tertial.parse("2024-T3") < Tertial.parse("2025-T1") < Tertial.parse("2025-T2")


def test_only_dates_are_in_a_tertial():
    assert "2025-05-01" not in Tertial.parse("2025-T2")


# The fold --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    effective_on: date
    originator_version: int


def collect(state: list[int] | None, event: Event) -> list[int]:
    return [*(state or []), event.originator_version]


def test_fold_orders_events_by_effective_day_then_version():
    events = [
        Event(date(2025, 3, 1), 1),
        Event(date(2025, 2, 1), 2),
        Event(date(2025, 3, 1), 3),
        Event(date(2025, 1, 1), 4),
        Event(date(2025, 2, 1), 5),
    ]

    assert fold(events, collect) == [4, 2, 5, 1, 3]


def test_fold_order_does_not_depend_on_the_order_it_is_given():
    events = [Event(date(2025, 3, 1), 2), Event(date(2025, 3, 1), 1), Event(date(2025, 1, 1), 3)]

    assert fold(events, collect) == fold(list(reversed(events)), collect) == [3, 1, 2]


def test_fold_as_of_includes_events_of_that_day_and_none_after():
    events = [Event(date(2025, 1, 1), 1), Event(date(2025, 3, 1), 2), Event(date(2025, 3, 2), 3)]

    assert fold(events, collect, as_of=date(2025, 3, 1)) == [1, 2]
    assert fold(events, collect, as_of=date(2025, 2, 28)) == [1]
    assert fold(events, collect, as_of=date(2025, 12, 31)) == [1, 2, 3]


def test_fold_before_the_first_event_or_of_nothing_is_none():
    assert fold([Event(date(2025, 1, 1), 1)], collect, as_of=date(2024, 12, 31)) is None
    assert fold([], collect) is None


def test_a_known_at_beyond_the_calendar_in_utc_is_now_and_one_before_it_is_before_everything() -> None:
    now = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert parse_known_at("9999-12-31T23:59:59-01:00", now) == now
    assert parse_known_at("0001-01-01T00:00:00+01:00", now) == datetime.min.replace(tzinfo=UTC)


@pytest.mark.parametrize("year", [1900, 1916, 1940, 1942, 1943, 1945, 1959, 1965, 1980, 2024, 2038, 2099])
def test_the_oslo_day_of_a_recorded_at_is_that_of_the_instant_at_every_hour_of_the_year(year: int) -> None:
    """`recorded_day` reads the day from the UTC day, hour and that day's offset (and
    the hour on days the clocks change): the same day as converting the instant, for
    every hour of years with the oddest clock changes, and the minute before each hour."""
    moment, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    while moment < end:
        for instant in (moment, moment + timedelta(minutes=59, seconds=59, microseconds=999999)):
            assert recorded_day(format_instant(instant)) == oslo_day(instant), instant
        moment += timedelta(hours=1)


@pytest.mark.parametrize(
    ("recorded_at", "day"),
    [
        ("0001-01-01T00:00:00.000000Z", date(1, 1, 1)),
        ("1899-12-31T23:30:00.000000Z", date(1900, 1, 1)),
        ("9999-12-30T23:30:00.000000Z", date(9999, 12, 31)),
        ("9999-12-31T12:00:00.000000Z", date(9999, 12, 31)),
        ("9999-12-31T23:30:00.000000Z", date.max),
    ],
)
def test_the_oslo_day_of_a_recorded_at_at_the_calendars_ends(recorded_at: str, day: date) -> None:
    """The calendar's last hour is past its end in Oslo: the last day, as `oslo_day` says."""
    assert recorded_day(recorded_at) == day
