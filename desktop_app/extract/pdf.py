"""The paged family: every text format PyMuPDF opens (PDF, XPS, OXPS, EPUB, MOBI, FB2).

Turns a document into its non-empty pages, numbered from 1, and turns what can go wrong
(encrypted, scanned, damaged) into an :class:`ExtractionError` with a reason a user can act on.
This is the indexing hot path, so each page is read once with MuPDF's plain-text extractor.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from desktop_app.extract import ExtractionError, Page, ocr, scans
from desktop_app.extract.files import descriptor_path, open_regular
from desktop_app.extract.mupdf import pymupdf
from desktop_app.extract.outline import outline_pages
from desktop_app.extract.text import normalise

log = logging.getLogger(__name__)

# Below this many non-whitespace characters in the whole document, a document with images is
# taken to be a scan: a stray page number or stamp is not worth indexing on its own.
MIN_TEXT_CHARS = 20
#: Text kept from one document, at most: the pages past it are left out, and the file's
#: status says so (one page of 5 MB of text took nearly 1 GB to lay out and chunk).
MAX_TEXT_CHARS = 8_000_000

# Ligatures expanded, so "ﬁnd" is found as "find"; words hyphenated at line ends joined, so
# "in-\ncluding" is "including" (it also joins "document-\nlevel" to "documentlevel", a
# smaller loss). Neither costs measurable time.
_TEXT_FLAGS = (pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES) | pymupdf.TEXT_DEHYPHENATE

# MuPDF reports every recoverable oddity of a damaged file on stderr, which would flood the
# console of a user indexing thousands of files. We collect them per file instead.
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

_ERROR_PREFIX = re.compile(r"^\w+ error: ")


#: MuPDF is not thread-safe: every use of pymupdf in a process (extraction here, page
#: rendering in the window) takes this lock. Its calls hold the GIL anyway, so nothing is lost.
#: A large sync extracts in its own process (desktop_app.extraction), where the window's
#: previews do not have to wait for it.
MUPDF_LOCK = threading.RLock()


def extract(path: Path) -> list[Page]:
    """Return the non-empty pages of the document at ``path``, each with its 1-based number."""
    with MUPDF_LOCK:
        return _extract(path)


def _extract(path: Path) -> list[Page]:
    kind = path.suffix.lstrip(".").upper() or "PDF"
    # Opened with Python first so that a missing or unreadable file raises the ordinary
    # FileNotFoundError/PermissionError (MuPDF only says "cannot open"), and so an empty
    # file is told apart from a damaged one.
    # It is also opened only if it is a regular file, and MuPDF is given that very file.
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        with open_regular(path) as fh:
            if not fh.read(1):
                raise ExtractionError("skipped", "empty file")
            try:
                doc = pymupdf.open(descriptor_path(fh, path), filetype=path.suffix.lstrip("."))
            except pymupdf.FileNotFoundError as exc:
                # pymupdf's own class, unrelated to the builtin one the registry understands.
                raise FileNotFoundError(str(exc)) from exc
            except RuntimeError as exc:
                raise _damaged(kind, exc) from exc
        with doc:
            return outline_pages(doc, _pages(doc, kind, path))
    finally:
        warnings = pymupdf.TOOLS.mupdf_warnings()
        pymupdf.TOOLS.reset_mupdf_warnings()
        if warnings:
            log.debug("MuPDF on %s: %s", path, warnings.replace("\n", "; "))


def _pages(doc: pymupdf.Document, kind: str, path: Path) -> list[Page]:
    if doc.needs_pass:
        raise ExtractionError("skipped", "encrypted (password required)")
    if doc.page_count == 0:
        if doc.is_repaired:
            raise ExtractionError("failed", f"malformed or damaged {kind}: no pages recovered")
        raise ExtractionError("skipped", "no pages")

    pages: list[Page] = []
    text_chars = 0
    kept_chars = 0
    page_error: RuntimeError | None = None
    scanned: list[int] = []  # pages that look scanned: little text over a large image
    options = ocr.current()
    for index in range(doc.page_count):
        if kept_chars >= MAX_TEXT_CHARS:
            note = (f"only its first {MAX_TEXT_CHARS / 1e6:g} million characters were "
                    f"indexed (pages 1–{index} of {doc.page_count})")
            pages[-1] = Page(pages[-1].number, pages[-1].text, note)
            break
        try:
            raw = doc.load_page(index).get_text("text", sort=False, flags=_TEXT_FLAGS)
        except RuntimeError as exc:
            # One broken page should not cost the reader the rest of the document.
            log.debug("page %d unreadable: %s", index + 1, exc)
            page_error = page_error or exc
            continue
        text = normalise(raw)
        if options is not None and _is_scanned(doc, index, text):
            scanned.append(index)
        if text:
            pages.append(Page(number=index + 1, text=text))
            kept_chars += len(text)
            if text_chars < MIN_TEXT_CHARS:
                text_chars += len("".join(text.split()))

    if page_error is not None and not pages:
        raise _damaged(kind, page_error)
    if text_chars < MIN_TEXT_CHARS and _looks_damaged(doc, page_error):
        # Not a scan: a broken file whose text MuPDF could not get at.
        raise ExtractionError("failed", f"damaged {kind}: little or no readable text")
    if options is not None and not scanned and text_chars < MIN_TEXT_CHARS:
        # Next to no text anywhere: every page with a picture is read, however small it is.
        scanned = _pages_with_images(doc)
    if options is not None and scanned:
        return scans.merge(doc, path, pages, scanned, options,
                           text_poor=text_chars < MIN_TEXT_CHARS)
    if text_chars < MIN_TEXT_CHARS and _has_images(doc):
        raise ExtractionError("skipped", "no text layer (needs OCR)")
    if not pages:
        raise ExtractionError("skipped", "no text")
    return pages


def _is_scanned(doc: pymupdf.Document, index: int, text: str) -> bool:
    """A page with next to no text over an image that covers a good part of it."""
    if len("".join(text.split())) >= MIN_TEXT_CHARS:
        return False
    try:
        page = doc.load_page(index)
        if doc.is_pdf and not page.get_images():
            return False  # the cheap answer for most text pages
        area = max(1.0, abs(page.rect))
        covered = sum(abs(pymupdf.Rect(info["bbox"]) & page.rect)
                      for info in page.get_image_info())
    except (RuntimeError, ValueError):
        return False
    return covered >= scans.MIN_IMAGE_SHARE * area


def _looks_damaged(doc: pymupdf.Document, page_error: Exception | None) -> bool:
    """Signs of a broken file rather than a scan: MuPDF had to rebuild its cross-reference
    table, complained while reading, failed on a page, or a page's box is upside down or
    empty (what a scanner or a sound writer never produces)."""
    if page_error is not None or doc.is_repaired or pymupdf.TOOLS.mupdf_warnings().strip():
        return True
    if not doc.is_pdf:
        return False
    for index in range(doc.page_count):
        try:
            kind, value = doc.xref_get_key(doc.page_xref(index), "MediaBox")
        except (RuntimeError, ValueError):
            return True
        if kind != "array":
            continue  # inherited from the page tree: MuPDF checked it there
        try:
            x0, y0, x1, y1 = (float(v) for v in value.strip("[] ").split())
        except ValueError:
            return True
        if x1 <= x0 or y1 <= y0:
            return True
    return False


def _pages_with_images(doc: pymupdf.Document) -> list[int]:
    found = []
    for index in range(doc.page_count):
        try:
            page = doc.load_page(index)
            if page.get_images() if doc.is_pdf else page.get_image_info():
                found.append(index)
        except RuntimeError:
            continue
    return found


def _has_images(doc: pymupdf.Document) -> bool:
    for index in range(doc.page_count):
        try:
            page = doc.load_page(index)
            # get_images() reads the PDF's resource list, cheaply; other formats have none,
            # so their pages are laid out to find the images.
            if page.get_images() if doc.is_pdf else page.get_image_info():
                return True
        except RuntimeError:
            continue
    return False


def _damaged(kind: str, exc: Exception) -> ExtractionError:
    # MuPDF's warnings name the actual defect ("cannot find version marker"); the exception
    # text only repeats that opening failed.
    detail = pymupdf.TOOLS.mupdf_warnings().strip().split("\n", 1)[0] or str(exc)
    detail = _ERROR_PREFIX.sub("", detail.strip())[:120]
    return ExtractionError("failed", f"malformed or damaged {kind}: {detail}")
