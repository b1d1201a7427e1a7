"""A duration as people read it on a clock: "4:05", "1:02:03" (the CLI's progress line, the window's ETA)."""

from __future__ import annotations


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
