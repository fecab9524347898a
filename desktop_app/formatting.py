"""Small formatting helpers shared by the command line and the window: durations, counts."""

from __future__ import annotations


def format_duration(seconds: float | None, missing: str = "–") -> str:
    """1:02:03, or 2:03 under an hour; ``missing`` when unknown."""
    if seconds is None:
        return missing
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 file``, ``2 files``, ``0 files``; irregular words pass their plural."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
