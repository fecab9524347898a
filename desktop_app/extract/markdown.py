"""A Markdown file's headings: ``#`` lines (ATX) and underlined lines (setext), with their
character offsets, outside fenced code blocks. The file itself is indexed as its text (the
text family); this only tells where its sections begin and what its title is."""

from __future__ import annotations

import re

from desktop_app.extract.headings import clean_title

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Inline markup that is not part of a heading's words: emphasis, code spans, link targets.
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`]+")


def _plain(text: str) -> str:
    return _MARKS.sub("", _LINK.sub(r"\1", text)).strip()


def markdown_headings(text: str) -> list[tuple[int, int, str]]:
    """(offset of the heading's line, level, heading text) in order."""
    out: list[tuple[int, int, str]] = []
    fence: str | None = None
    offset = 0
    previous: tuple[int, str] | None = None  # the last paragraph line: (offset, text)
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence, previous = opened.group(1), None
            continue
        atx = _ATX.match(line)
        if atx:
            heading = _plain(atx.group(2) or "")
            if heading:
                out.append((start, len(atx.group(1)), heading))
            previous = None
            continue
        underline = _SETEXT.match(line)
        if underline and previous is not None:
            heading = _plain(previous[1])
            if heading:
                out.append((previous[0], 1 if underline.group(1)[0] == "=" else 2, heading))
            previous = None
            continue
        # only a single line of text right above an underline is taken for a heading
        stripped = line.strip()
        previous = (start, stripped) if stripped and previous is None else None
        if not stripped:
            previous = None
    return out


def markdown_title(headings: list[tuple[int, int, str]]) -> str | None:
    """The file's title: its first top-level heading."""
    return next((clean_title(text) for _, level, text in headings if level == 1), None)
