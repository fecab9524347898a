"""The slides family: PowerPoint (.pptx .pptm .ppsx .potx) and OpenDocument presentations (.odp).

A page is a slide, numbered from 1 as the deck shows them (a slide with no text keeps its
number for the ones after it). Read: the slide's title first, then the text of its shapes
(groups opened, tables as "cell | cell" rows) in reading order, then its speaker notes after
a "Speaker notes:" line.

A slide's title is the section its text sits under; the deck's title is the one recorded in
its properties, else its first slide's title (``desktop_app.extract.headings``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from desktop_app.extract import odf
from desktop_app.extract.containers import open_package
from desktop_app.extract.files import open_regular
from desktop_app.extract.headings import clean_heading, clean_title, mark_headings
from desktop_app.extract.pages import ExtractionError, Page
from desktop_app.extract.text import normalise


def extract(path: Path) -> list[Page]:
    if path.suffix.lower() in {".odp", ".otp"}:
        return _odp(path)
    return _pptx(path)


def _page(number: int, title: str, body: list[str], notes: str) -> Page | None:
    parts = [title.strip()] if title.strip() else []
    parts += [b for b in body if b.strip()]
    if notes.strip():
        parts.append("Speaker notes:\n" + notes.strip())
    text = normalise("\n\n".join(parts))
    heading = clean_heading(title)
    return Page(number, text, headings=((0, heading),) if heading else ()) if text else None


def _finish(pages: list[Page | None], recorded_title: str = "") -> list[Page]:
    kept = [p for p in pages if p is not None]
    if not kept:
        raise ExtractionError("skipped", "no text" if pages else "no slides")
    first = pages[0]  # the title slide, if it has any text
    deck_title = clean_title(recorded_title) or (
        clean_title(first.headings[0][1]) if first is not None and first.headings else None)
    return [mark_headings(p, [(0, 1, h) for _, h in p.headings if h], deck_title)
            for p in kept]


# -- PowerPoint -------------------------------------------------------------------------------
def _pptx(path: Path) -> list[Page]:
    with open_regular(path) as fh:
        open_package(fh, "PowerPoint")
        fh.seek(0)
        try:
            deck = _presentation(fh)
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ExtractionError("failed", f"damaged PowerPoint file: {exc}") from None
        except Exception as exc:  # python-pptx's own errors for a package that is not a deck
            if type(exc).__module__.startswith("pptx"):
                raise ExtractionError("failed", f"not a PowerPoint file: {exc}") from None
            raise
        pages = []
        for number, slide in enumerate(deck.slides, 1):
            title_shape = slide.shapes.title
            title = title_shape.text_frame.text if title_shape is not None else ""
            body: list[str] = []
            for shape in _reading_order(slide.shapes):
                if title_shape is not None and shape.shape_id == title_shape.shape_id:
                    continue
                body.extend(_shape_texts(shape))
            notes = ""
            if slide.has_notes_slide:
                frame = slide.notes_slide.notes_text_frame
                notes = frame.text if frame is not None else ""
            pages.append(_page(number, title, body, notes))
        recorded = deck.core_properties.title or ""
    return _finish(pages, recorded)


def _presentation(fh: Any) -> Any:
    """python-pptx's Presentation for decks, shows (.ppsx) and templates (.potx) alike
    (``pptx.Presentation`` itself refuses the last two by the main part's content type)."""
    from pptx.package import Package
    from pptx.parts.presentation import PresentationPart

    part = Package.open(fh).main_document_part
    if not isinstance(part, PresentationPart):
        raise ExtractionError("failed", "not a PowerPoint file (its main part is something else)")
    return part.presentation


def _reading_order(shapes: Any) -> list[Any]:
    """Top to bottom, then left to right; shapes without a position keep their place last."""
    def key(item: tuple[int, Any]) -> tuple[int, int, int]:
        index, shape = item
        top, left = shape.top, shape.left
        if top is None or left is None:
            return (1 << 62, 0, index)
        return (int(top), int(left), index)

    return [shape for _, shape in sorted(enumerate(shapes), key=key)]


def _shape_texts(shape: Any) -> list[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [t for child in _reading_order(shape.shapes) for t in _shape_texts(child)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = []
        for row in shape.table.rows:
            cells = [" ".join(cell.text.split()) for cell in row.cells]
            if any(cells):
                rows.append(" | ".join(cells))
        return ["\n".join(rows)] if rows else []
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [shape.text_frame.text]
    return []


# -- OpenDocument presentation ----------------------------------------------------------------
_PAGE = odf.q("draw:page")
_NOTES = odf.q("presentation:notes")
_CLASS = odf.q("presentation:class")
#: Placeholders a slide repeats from its master: not what the slide says.
_FURNITURE = frozenset({"page-number", "date-time"})


def _odp(path: Path) -> list[Page]:
    kind = "OpenDocument presentation"
    with open_regular(path) as fh:
        package = open_package(fh, kind)
        content = odf.parse_part(package, "content.xml", kind)
        recorded = odf.metadata(package, kind)[0]
    pages = []
    for number, slide in enumerate(odf.body(content, "presentation", kind).iter(_PAGE), 1):
        title = ""
        body: list[str] = []
        notes = ""
        for child in slide:
            if child.tag == _NOTES:
                notes = "\n".join(t for frame in child if frame.get(_CLASS) == "notes"
                                  for t in odf.block_texts(frame) if t)
            elif child.get(_CLASS) in _FURNITURE:
                continue
            elif child.get(_CLASS) == "title" and not title:
                title = "\n".join(t for t in odf.block_texts(child) if t)
            else:
                for table in child.iter(odf.TABLE):
                    rows = [" | ".join(" ".join(c.split()) for c in row)
                            for row in odf.table_rows(table)]
                    body.append("\n".join(rows))
                if child.find(f".//{odf.TABLE}") is None:
                    body.append("\n".join(t for t in odf.block_texts(child) if t))
        pages.append(_page(number, title, body, notes))
    return _finish(pages, recorded)
