"""A paged document's outline (bookmarks) → each page's heading paths, and its title.

The outline gives each heading's page; the heading is then looked for in that page's text,
so a section that begins halfway down a page starts there, not at the page's top. The title
is the document's metadata title unless that only names a file ("amsclass.dvi"); an
outline's first entry is not taken for a title: in manuals it is "Contents" or
"1 Introduction" far more often than the document's name.
"""

from __future__ import annotations

import bisect
import logging

from desktop_app.extract.headings import clean_title, place_headings, with_title
from desktop_app.extract.mupdf import pymupdf
from desktop_app.extract.pages import Page

log = logging.getLogger(__name__)


def outline_pages(doc: pymupdf.Document, pages: list[Page]) -> list[Page]:
    """``pages`` (numbered from 1) with the outline's heading paths and the title."""
    try:
        title = clean_title((doc.metadata or {}).get("title"))
    except (RuntimeError, ValueError):
        title = None
    try:
        toc = doc.get_toc(simple=True)
    except (RuntimeError, ValueError) as exc:  # a damaged outline costs the sections only
        log.debug("outline unreadable: %s", exc)
        toc = []
    if not toc or not pages:
        return with_title(pages, title)
    numbers = [p.number or 0 for p in pages]
    headings = []
    for level, text, number in toc:
        if number < 1:
            continue  # an entry that points nowhere in this document
        # a heading on a page without text belongs to the next page that has some
        index = bisect.bisect_left(numbers, number)
        if index < len(pages):
            headings.append((level, index, text))
    return place_headings(pages, headings, title)
