"""Scanned pages of a PyMuPDF document → text: render grey, OCR, keep in the cache.

Used by the paged family (image-only pages of a PDF) and the image family (each frame of a
picture). Whatever a page yields — its text, or why it has none — comes back per page, so a
document with one unreadable scan among readable pages keeps the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.extract import ExtractionError, Page, ocr, ocr_cache
from desktop_app.extract.files import file_sha256
from desktop_app.extract.mupdf import pymupdf

log = logging.getLogger(__name__)

#: A page with next to no text is read by OCR when its images cover this share of it.
MIN_IMAGE_SHARE = 0.1
#: Fewer visible characters than this in a whole scanned document are not worth indexing
#: (a page number, a stamp), as for a PDF's text layer (``desktop_app.extract.pdf``).
MIN_TEXT_CHARS = 20
NEEDS_OCR = "no text layer (needs OCR)"
NO_TEXT = "OCR found no text"
OCR_OFF = "OCR is off"
#: While a long document is read, the pages done are saved this often (seconds), so a read
#: stopped half-way (the app closed, the time limit) does not start again from page one.
SAVE_EVERY_S = 20.0


@dataclass(frozen=True, slots=True)
class ScanResult:
    page: ocr.OcrPage | None  # None: nothing read, ``problem`` says why
    problem: str | None = None


def read_scans(doc: pymupdf.Document, indexes: list[int], path: Path,
               zoom_of: Callable[[pymupdf.Page], float]) -> dict[int, ScanResult]:
    """OCR the pages at ``indexes`` (0-based) of ``doc`` under the current OCR options;
    ``zoom_of(page)`` gives the pixels per page unit to render it at."""
    options = ocr.current() or ocr.OcrOptions()
    sha = None
    cached: dict[int, ocr.OcrPage] = {}
    if options.cache_dir is not None:
        sha = options.sha256 or file_sha256(path)
        cached = ocr_cache.load(options.cache_dir, sha)
    fresh = dict(cached)
    results: dict[int, ScanResult] = {}
    last_save = time.monotonic()
    dirty = False
    try:
        for index in indexes:
            number = index + 1
            if number in cached:
                results[index] = _result(cached[number])
                continue
            try:
                page = doc.load_page(index)
                gray, scale = render_gray(page, zoom_of(page))
                read = ocr.recognise(gray, scale, options.on_page)
            except ocr.OcrError as exc:
                results[index] = ScanResult(None, str(exc))
                if "could not start" in str(exc) or "not installed" in str(exc):
                    for rest in indexes:  # the engine is missing: the other pages too
                        results.setdefault(rest, ScanResult(None, str(exc)))
                    break
                continue
            except RuntimeError as exc:
                log.debug("page %d not rendered for OCR: %s", number, exc)
                results[index] = ScanResult(None, "the scanned page could not be rendered")
                continue
            fresh[number] = read
            dirty = True
            results[index] = _result(read)
            if sha and time.monotonic() - last_save > SAVE_EVERY_S:
                _save(options.cache_dir, sha, fresh)
                last_save, dirty = time.monotonic(), False
    finally:
        if sha and dirty:
            _save(options.cache_dir, sha, fresh)
    return results


def _result(page: ocr.OcrPage) -> ScanResult:
    if not page.text.strip():
        return ScanResult(None, NO_TEXT)
    return ScanResult(page)


def _save(cache_dir: Path | None, sha: str, pages: dict[int, ocr.OcrPage]) -> None:
    if cache_dir is None:
        return
    try:
        ocr_cache.save(cache_dir, sha, pages)
    except OSError as exc:  # a full disk costs a re-read next time, not the file
        log.warning("could not keep the OCR of %s: %s", sha, exc)


def render_gray(page: pymupdf.Page, zoom: float) -> tuple[np.ndarray, float]:
    """The page as grey pixels at ``zoom`` pixels per page unit, or less when the engine
    would shrink the image anyway (``ocr.MAX_SIDE``), and the zoom used."""
    side = max(1.0, page.rect.width, page.rect.height)
    zoom = max(0.1, min(zoom, ocr.MAX_SIDE / side))
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY,
                          alpha=False)
    gray = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)
    return gray[:, : pix.width].copy(), zoom


def merge(doc: pymupdf.Document, path: Path, pages: list[Page], scanned: list[int],
          options: ocr.OcrOptions, *, text_poor: bool) -> list[Page]:
    """The document's pages with its scanned pages (0-based ``scanned``) read by OCR, or
    the reason none could be; ``text_poor``: the rest of the document has next to no text."""
    if not options.enabled:
        if text_poor:
            raise ExtractionError("skipped", f"{NEEDS_OCR} ({OCR_OFF})")
        return _with_note(pages, f"{_count(len(scanned), 'scanned page')} not read ({OCR_OFF})")
    results = read_scans(doc, scanned, path, lambda page: ocr.RENDER_DPI / 72)
    by_number = {page.number: page for page in pages}
    problems: dict[str, list[int]] = {}
    for index, result in results.items():
        if result.page is not None:
            by_number[index + 1] = Page(index + 1, result.page.text)
        else:
            problems.setdefault(result.problem or NO_TEXT, []).append(index + 1)
    merged = [by_number[n] for n in sorted(by_number)]
    if text_poor and _visible_chars(merged) < MIN_TEXT_CHARS:
        raise _nothing_read(problems, "no text layer, and")
    return _with_note(merged, _describe(problems))


def ocr_frames(doc: pymupdf.Document, path: Path, kind: str) -> list[Page]:
    """Every page of an image document (a frame of a TIFF, the one picture of a PNG), read
    by OCR at the picture's own resolution."""
    options = ocr.current()
    if options is None:
        raise ExtractionError("skipped", "a picture: its text needs OCR")
    if not options.enabled:
        raise ExtractionError("skipped", f"a picture: its text needs OCR ({OCR_OFF})")
    results = read_scans(doc, list(range(doc.page_count)), path, native_zoom)
    pages = [Page(i + 1, r.page.text) for i, r in sorted(results.items()) if r.page]
    problems: dict[str, list[int]] = {}
    for index, result in results.items():
        if result.page is None:
            problems.setdefault(result.problem or NO_TEXT, []).append(index + 1)
    if _visible_chars(pages) < MIN_TEXT_CHARS:
        raise _nothing_read(problems, f"{kind} image:")
    return _with_note(pages, _describe(problems) if doc.page_count > 1 else None)


def native_zoom(page: pymupdf.Page) -> float:
    """Pixels per page unit that render a picture at its own resolution."""
    infos = page.get_image_info()
    if infos and page.rect.width > 0:
        return max(float(info["width"]) for info in infos) / page.rect.width
    return ocr.RENDER_DPI / 72


def _nothing_read(problems: dict[str, list[int]], lead: str) -> ExtractionError:
    failures = [p for p in problems if p != NO_TEXT]
    if failures:
        return ExtractionError("failed", failures[0])
    if problems:
        return ExtractionError("skipped", f"{lead} {NO_TEXT}")
    return ExtractionError("skipped", f"{lead} OCR found too little text to index")


def _visible_chars(pages: list[Page]) -> int:
    return sum(len("".join(page.text.split())) for page in pages)


def _describe(problems: dict[str, list[int]]) -> str | None:
    if not problems:
        return None
    parts = []
    for problem, numbers in problems.items():
        shown = ", ".join(str(n) for n in numbers[:5]) + (", …" if len(numbers) > 5 else "")
        parts.append(f"{problem} on {'page' if len(numbers) == 1 else 'pages'} {shown}")
    return "; ".join(parts)


def _with_note(pages: list[Page], note: str | None) -> list[Page]:
    if not note or not pages:
        return pages
    last = pages[-1]
    combined = f"{last.note}; {note}" if last.note else note
    return [*pages[:-1], Page(last.number, last.text, combined)]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
