"""What the preview shows, computed off the UI thread: a rendered PDF page or a text excerpt.

Only QImage and QPainter-on-QImage are used here (both are safe outside the GUI thread); the
preview pane turns the image into a pixmap on the UI thread.

Finding a chunk on a PDF page: the chunk's text was extracted with MuPDF, normalised and
dehyphenated, so searching the page for the exact string is brittle (line breaks, ligatures,
hyphens). Instead the page's words and the chunk's words are aligned with difflib; the span
from the first to the last well-matched word is the passage, highlighted line by line.

A scanned page (or a picture) has no words to align: its words' boxes were kept when OCR
read it, in the library's OCR cache under the file's content hash, with each word's span in
the page's text; the passage's span picks its words (``desktop_app.extract.ocr_cache``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from desktop_app.events import SearchResult
from desktop_app.extract import ExtractionError, extract
from desktop_app.extract.registry import shows_as_text

if TYPE_CHECKING:
    from desktop_app.extract.mupdf import pymupdf

_NON_WORD = re.compile(r"\W+", re.UNICODE)
#: Most device pixels in a rendered page (64 MB as RGB32): bounds memory at high zoom.
MAX_RENDER_PIXELS = 16_000_000
#: Text previews show this many characters either side of the chunk (a 50 MB log stays light).
TEXT_CONTEXT_CHARS = 200_000
#: Below this many matching words in a row, a match is treated as a coincidence.
MIN_RUN = 3


@dataclass(frozen=True)
class PreviewRequest:
    result: SearchResult
    width_px: int  # device pixels across the pane: "fit width" renders the page this wide
    device_pixel_ratio: float
    highlight: QColor
    #: Times "fit width"; None: fit width, or closer if the passage would be too small to read.
    zoom: float | None = None
    #: With ``zoom=None``, the smallest readable height of a line of the passage (logical px).
    readable_line_px: float = 11.0
    #: the library's OCR cache folder: where a scanned page's word boxes are found
    ocr_cache: Path | None = None


@dataclass
class PdfPreview:
    result: SearchResult
    image: QImage  # devicePixelRatio set: its logical size is the on-screen size
    highlights: list[QRectF] = field(default_factory=list)  # logical pixels in the image
    page_count: int = 0
    zoom: float = 1.0  # times "fit width", as rendered


@dataclass
class TextPreview:
    result: SearchResult
    text: str
    start: int  # the chunk's span in ``text``; start == end when it could not be found
    end: int
    note: str = ""


@dataclass
class PreviewError:
    result: SearchResult
    message: str


Preview = PdfPreview | TextPreview | PreviewError


def build_preview(request: PreviewRequest) -> Preview:
    """Render the page or load the text of ``request.result``; never raises for bad files."""
    result = request.result
    path = Path(result.path)
    if not path.exists():
        return PreviewError(result, "The file is no longer there. Rescan to update the library.")
    try:
        if result.page is not None and not shows_as_text(path):
            return render_pdf_page(request)
        return load_text(result)
    except (RuntimeError, ValueError, OSError, ExtractionError) as exc:
        return PreviewError(result, f"Cannot show this file: {exc}")


def _norm(word: str) -> str:
    return _NON_WORD.sub("", word.lower())


def _mupdf():
    # Imported on first use, not with the window (0.08 s, 51 MB: desktop_app.extract.mupdf).
    from desktop_app.extract.mupdf import pymupdf

    return pymupdf


def chunk_word_rects(page: pymupdf.Page, chunk_text: str) -> list[pymupdf.Rect]:
    """One rectangle per line of the page that holds the chunk (page coordinates)."""
    mupdf = _mupdf()
    # Same treatment of ligatures and line-end hyphens as indexing, so the words line up.
    flags = ((mupdf.TEXTFLAGS_WORDS & ~mupdf.TEXT_PRESERVE_LIGATURES)
             | mupdf.TEXT_DEHYPHENATE)
    words = page.get_text("words", flags=flags, sort=False)
    page_words = [_norm(w[4]) for w in words]
    chunk_words = [w for w in (_norm(x) for x in chunk_text.split()) if w]
    if not page_words or not chunk_words:
        return []
    matcher = difflib.SequenceMatcher(None, page_words, chunk_words, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    # Long runs fix the passage's ends; a short chunk may only have short runs.
    solid = [b for b in blocks if b.size >= min(MIN_RUN, len(chunk_words))]
    if not solid:
        return []
    first = solid[0].a
    last = solid[-1].a + solid[-1].size - 1
    lines: dict[tuple[int, int], pymupdf.Rect] = {}
    for w in words[first:last + 1]:
        key = (w[5], w[6])  # (block, line)
        rect = mupdf.Rect(w[:4])
        lines[key] = lines[key] | rect if key in lines else rect
    return list(lines.values())


def ocr_passage_boxes(cache_dir: Path, result: SearchResult,
                      ) -> list[tuple[float, float, float, float]]:
    """One box per printed line of the passage on a page read by OCR (page coordinates);
    [] when the page was not read by OCR or the file changed since."""
    from desktop_app.extract import ocr_cache
    from desktop_app.extract.files import file_sha256

    try:
        pages = ocr_cache.load(cache_dir, file_sha256(Path(result.path)))
    except (OSError, ExtractionError):
        return []
    page = pages.get(result.page or 0)
    if page is None:
        return []
    start, end = result.char_start, result.char_end
    if page.text[start:end] != result.text:
        start = page.text.find(result.text)
        if start < 0:
            return []
        end = start + len(result.text)
    return ocr_cache.passage_boxes(page, start, end)


def _open(path: str) -> pymupdf.Document:
    """The document, or the picture as one (WebP, which MuPDF does not read, via Pillow)."""
    if Path(path).suffix.lower() == ".webp":
        from desktop_app.extract.files import open_regular
        from desktop_app.extract.images import open_image

        with open_regular(path) as fh:
            return open_image(fh, Path(path))
    return _mupdf().open(path)


def render_pdf_page(request: PreviewRequest) -> Preview:
    """The result's page as an image sized for the pane, with the chunk highlighted."""
    from desktop_app.extract.pdf import MUPDF_LOCK  # imported late: pymupdf is slow to load

    with MUPDF_LOCK:  # the indexer extracts on another thread; MuPDF is not thread-safe
        return _render_pdf_page(request)


def _render_pdf_page(request: PreviewRequest) -> Preview:
    result = request.result
    mupdf = _mupdf()
    with _open(result.path) as doc:
        if doc.needs_pass:
            return PreviewError(result, "This document is encrypted.")
        page_count = doc.page_count
        if not 1 <= (result.page or 0) <= page_count:
            return PreviewError(result, f"Page {result.page} is not in the document any more.")
        page = doc.load_page(result.page - 1)
        bounds = page.rect
        rects = chunk_word_rects(page, result.text)
        if not rects and request.ocr_cache is not None:
            rects = [mupdf.Rect(box) for box in ocr_passage_boxes(request.ocr_cache, result)]
        fit = max(0.1, request.width_px / max(1.0, bounds.width))
        factor = request.zoom or 1.0
        if request.zoom is None and rects:
            # A wide page (a landscape table) fitted to a narrow pane can shrink the passage
            # to unreadable; then zoom in on it, up to 4x.
            heights = sorted(r.height for r in rects)
            line_px = heights[len(heights) // 2] * fit / max(1.0, request.device_pixel_ratio)
            if 0 < line_px < request.readable_line_px:
                factor = min(4.0, request.readable_line_px / line_px)
        area = max(1.0, bounds.width * bounds.height)
        zoom = min(fit * factor, (MAX_RENDER_PIXELS / area) ** 0.5)
        pix = page.get_pixmap(matrix=mupdf.Matrix(zoom, zoom), alpha=False)
        # The conversion makes a QImage that owns its pixels (the pixmap is freed below) in
        # the format QPainter draws on fastest.
        image = QImage(pix.samples, pix.width, pix.height, pix.stride,
                       QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)
    dpr = max(1.0, request.device_pixel_ratio)
    pad = 2.0 * zoom
    device_rects = [QRectF(r.x0 * zoom - pad, r.y0 * zoom - pad,
                           r.width * zoom + 2 * pad, r.height * zoom + 2 * pad) for r in rects]
    if device_rects:
        painter = QPainter(image)
        # Multiply keeps the text legible under the mark on white paper.
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(request.highlight)
        for rect in device_rects:
            painter.drawRoundedRect(rect, 2 * zoom, 2 * zoom)
        painter.end()
    image.setDevicePixelRatio(dpr)
    logical = [QRectF(r.x() / dpr, r.y() / dpr, r.width() / dpr, r.height() / dpr)
               for r in device_rects]
    return PdfPreview(result, image, logical, page_count, zoom / fit)


def _page_text(pages: list, result: SearchResult) -> str:
    """The text of the result's page: a text file's only page, or the page (slide, sheet,
    message …) with the result's number; an e-mail's attachments share their message's
    number, so among those the one holding the passage."""
    same = [p.text for p in pages if p.number == result.page] or [p.text for p in pages[:1]]
    exact = [t for t in same if t[result.char_start:result.char_end] == result.text]
    holding = [t for t in same if result.text in t]
    return (exact or holding or same or [""])[0]


def load_text(result: SearchResult) -> TextPreview:
    """The text around the chunk, with the chunk's span in it."""
    pages = extract(Path(result.path))
    text = _page_text(pages, result)
    start, end = result.char_start, result.char_end
    note = ""
    if text[start:end] != result.text:
        # The file changed since it was indexed; the passage may still be there elsewhere.
        found = text.find(result.text)
        if found < 0:
            note = "The file changed since it was indexed; rescan to update the library."
            start = end = 0
        else:
            start, end = found, found + len(result.text)
    lo = max(0, start - TEXT_CONTEXT_CHARS)
    hi = min(len(text), end + TEXT_CONTEXT_CHARS)
    return TextPreview(result, text[lo:hi], start - lo, end - lo, note)
