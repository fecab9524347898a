"""Small formatting helpers shared by the command line and the window."""

from __future__ import annotations


def format_duration(seconds: float | None, missing: str = "–") -> str:
    """1:02:03, or 2:03 under an hour; ``missing`` when unknown."""
    if seconds is None:
        return missing
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
