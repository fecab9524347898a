"""Where a page's text sits in its document: the heading path in force at each point of a
page, and the document's title, as the families find them (a PDF's outline, Word heading
styles, Markdown ``#`` lines, HTML ``h1``–``h3``, slide titles, OpenDocument headings).

A page's ``headings`` are (character offset in ``Page.text``, heading path) pairs in order: the
path applies from its offset to the next pair's (None: text under the title's own heading,
in no section). A page that opens inside a section carried
over from an earlier page starts with a pair at offset 0. A heading path is the nearest
headings from the outermost down, joined by " › " ("Installation › Network setup"), kept to
``MAX_SECTION_CHARS`` by dropping the outer ones first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from desktop_app.extract.pages import Page

#: A section path longer than this loses its outer headings, then its end ("…").
MAX_SECTION_CHARS = 120
#: A title longer than this is cut ("…"): a title is a name, not a paragraph.
MAX_TITLE_CHARS = 200
SEPARATOR = " › "
_SPACES = re.compile(r"\s+")
# Titles that name a file or a tool rather than the document ("amsclass.dvi",
# "Microsoft Word - report.doc", "untitled"): the file's path already says as much.
_FILE_LIKE = re.compile(
    r"^(?:microsoft \w+ - .*|untitled\d*|[^\s/\\]+\.(?:dvi|tex|sty|cls|dtx|docx?|odt|rtf|"
    r"pdf|ps|eps|txt|md|html?|pptx?|xlsx?|indd|qxd))$", re.IGNORECASE)


def clean_heading(text: str) -> str:
    """A heading as one line: inner whitespace collapsed, edges trimmed."""
    return _SPACES.sub(" ", text).strip()


def clean_title(text: str | None) -> str | None:
    """A document title worth showing, or None (empty, or the name of a file)."""
    if not text:
        return None
    title = clean_heading(text)
    if not title or _FILE_LIKE.match(title):
        return None
    return title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS - 1] + "…"


def section_path(stack: Sequence[str]) -> str | None:
    """The headings from the outermost down as one short path; None for no headings."""
    parts = [p for p in stack if p]
    if not parts:
        return None
    while len(parts) > 1 and len(SEPARATOR.join(parts)) > MAX_SECTION_CHARS:
        parts = parts[1:]  # the nearest heading says the most about the passage
    path = SEPARATOR.join(parts)
    return path if len(path) <= MAX_SECTION_CHARS else path[:MAX_SECTION_CHARS - 1] + "…"


class HeadingStack:
    """The headings in force while reading a document: ``enter(level, text)`` → the path.
    An outermost heading that is the document's ``title`` is left out of the paths (the
    title is shown, and embedded, on its own)."""

    def __init__(self, title: str | None = None) -> None:
        self._stack: list[tuple[int, str]] = []
        self._title = clean_heading(title).casefold() if title else None

    def enter(self, level: int, text: str) -> str | None:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, clean_heading(text)))
        return self.path()

    def path(self) -> str | None:
        parts = [t for _, t in self._stack]
        if parts and parts[0].casefold() == self._title:
            parts = parts[1:]
        return section_path(parts)


def section_at(page: Page, offset: int) -> str | None:
    """The heading path in force at character ``offset`` of the page."""
    if not page.headings:
        return None
    starts = [start for start, _ in page.headings]
    i = bisect.bisect_right(starts, offset) - 1
    return page.headings[i][1] if i >= 0 else None


def _lower(text: str) -> tuple[str, bool]:
    """``text`` in lower case where that keeps every offset (nearly always), else as it is;
    and whether it was lowered."""
    lowered = text.lower()
    return (lowered, True) if len(lowered) == len(text) else (text, False)


def _find(words: Sequence[str], text: str, start: int) -> int:
    """Where the heading's ``words`` begin in ``text`` at or after ``start``, whatever
    whitespace or line breaks lie between them: at the start of a line if they stand there
    anywhere (a heading does; a sentence naming the section does not), else where they are
    first found; -1 if nowhere. Plain string search: compiling a pattern per heading cost
    more than reading the pages (5,000 outline entries of 34 manuals: 5.9 s)."""
    first = -1
    pos = text.find(words[0], start)
    while pos != -1:
        end = pos + len(words[0])
        for word in words[1:]:
            gap = end
            while gap < len(text) and text[gap].isspace():
                gap += 1
            if gap == end or not text.startswith(word, gap):
                break
            end = gap + len(word)
        else:
            line = text.rfind("\n", 0, pos) + 1
            if not text[line:pos].strip(" \t"):
                return pos
            if first < 0:
                first = pos
        pos = text.find(words[0], pos + 1)
    return first


def place_headings(pages: Sequence[Page], headings: Iterable[tuple[int, int | None, str]],
                   title: str | None = None) -> list[Page]:
    """Pages with their heading paths and the document's title.

    ``headings``: (level, index of the page it is on, or None when unknown, heading text) in
    document order. A heading is looked for in its page's text (or, when its page is not
    known, in the pages from the last heading's on) after the previous heading; one whose
    text is not found on its known page starts at the top of that page, one whose page is
    not known and whose text is not found is left out.
    """
    stack = HeadingStack(title)
    marks: list[list[tuple[int, str | None]]] = [[] for _ in pages]
    lowered: dict[int, tuple[str, bool]] = {}

    def search(i: int, words: list[str], start: int) -> int:
        if i not in lowered:
            lowered[i] = _lower(pages[i].text)
        body, low = lowered[i]
        return _find([w.lower() for w in words] if low else words, body, start)

    cursor_page, cursor = 0, 0
    for level, index, text in headings:
        found: tuple[int, int] | None = None  # (page index, offset)
        words = clean_heading(text).split()
        if not words:
            continue
        if index is not None:
            if not 0 <= index < len(pages):
                continue
            # on a later page, or an outline out of order: trust its page
            start = cursor if index == cursor_page else 0
            at = search(index, words, start)
            found = (index, at if at >= 0 else start)
        else:
            for i in range(cursor_page, len(pages)):
                at = search(i, words, cursor if i == cursor_page else 0)
                if at >= 0:
                    found = (i, at)
                    break
        if found is None:
            continue
        cursor_page, cursor = found
        marks[cursor_page].append((cursor, stack.enter(level, text)))
    out = []
    carried: str | None = None
    for page, page_marks in zip(pages, marks):
        page_marks.sort(key=lambda m: m[0])
        if carried is not None and (not page_marks or page_marks[0][0] > 0):
            page_marks.insert(0, (0, carried))
        if page_marks:
            carried = page_marks[-1][1]
        out.append(replace(page, headings=_entries(page_marks), title=title))
    return out


def _entries(marks: Iterable[tuple[int, str | None]]) -> tuple[tuple[int, str | None], ...]:
    """(offset, path) pairs in order: two headings in one place, the later wins; a place
    under no heading (the title's own heading, left out) ends the section before it."""
    entries: list[tuple[int, str | None]] = []
    for offset, path in marks:
        if entries and entries[-1][0] == offset:
            entries[-1] = (offset, path)
        elif not entries or entries[-1][1] != path:
            entries.append((offset, path))
    while entries and entries[0][1] is None:
        entries.pop(0)
    return tuple(entries)


def mark_headings(page: Page, marks: Iterable[tuple[int, int, str]],
                  title: str | None = None) -> Page:
    """A page whose headings' places are known exactly: ``marks`` are (offset, level, text)
    in order (a Markdown file's ``#`` lines)."""
    stack = HeadingStack(title)
    entries = _entries((offset, stack.enter(level, text)) for offset, level, text in marks)
    return replace(page, headings=entries, title=title)


def with_title(pages: Sequence[Page], title: str | None) -> list[Page]:
    """Pages carrying the document's title (no headings known)."""
    return [replace(page, title=title) for page in pages] if title else list(pages)
