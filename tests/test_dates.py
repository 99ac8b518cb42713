"""core/dates.py: AEM's date strings parsed to aware UTC datetimes; ISO text written back."""

from datetime import datetime, timedelta, timezone

import pytest

from xmpaudit.core.dates import iso_text, parse_jcr_date, parse_moment

UTC = timezone.utc


def test_sling_date_strings_are_parsed_to_utc():
    assert parse_jcr_date("Wed Nov 25 2026 10:12:32 GMT+0000") == datetime(2026, 11, 25, 10, 12, 32, tzinfo=UTC)
    assert parse_jcr_date("Wed Nov 25 2026 11:12:32 GMT+0100") == datetime(2026, 11, 25, 10, 12, 32, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-25T10:12:32.000Z", datetime(2026, 11, 25, 10, 12, 32, tzinfo=UTC)),
    ("2026-11-25T12:12:32+02:00", datetime(2026, 11, 25, 10, 12, 32, tzinfo=UTC)),
    (" 2026-11-25T10:12:32 ", datetime(2026, 11, 25, 10, 12, 32, tzinfo=UTC)),  # no zone: UTC
])
def test_iso_dates_are_parsed_to_utc(text, expected):
    parsed = parse_jcr_date(text)
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize("value", [None, 17, "", "yesterday", "Wed Nov 32 2026 10:12:32 GMT+0000", ["2026-11-25"]])
def test_anything_else_is_none(value):
    assert parse_jcr_date(value) is None


def test_iso_text_is_utc_with_milliseconds_and_round_trips():
    moment = datetime(2026, 11, 25, 11, 12, 32, tzinfo=timezone(timedelta(hours=1)))
    assert iso_text(moment) == "2026-11-25T10:12:32.000Z"
    assert parse_jcr_date(iso_text(moment)) == moment


def test_parse_moment_keeps_the_instant_in_utc_and_assumes_utc_without_a_zone():
    assert parse_moment("2026-11-25T10:00:00+02:00") == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert parse_moment("2026-11-25T10:00:00+02:00").utcoffset() == timedelta(0)
    assert parse_moment("2026-11-25T10:00:00") == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert parse_moment("not a date") is None
