"""Durations read as on a clock, in the CLI's progress line and the window's ETA alike."""

from resviz.core.durations import format_seconds


def test_minutes_and_seconds_then_hours():
    assert format_seconds(0) == "0:00" and format_seconds(59.6) == "1:00"
    assert format_seconds(605) == "10:05" and format_seconds(3723) == "1:02:03"
