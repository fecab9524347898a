"""The image family: pictures of text (PNG, JPEG, TIFF with each frame a page, BMP, WebP).

PyMuPDF opens them as documents of one page per frame; each page is read by OCR
(``desktop_app.extract.scans``). Pages are numbered from 1, like a PDF's. MuPDF does not
read WebP, so a WebP picture is decoded by Pillow (which the OCR engine brings) and handed to
MuPDF as PNG; the preview does the same to show it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from desktop_app.extract import ExtractionError, Page, scans
from desktop_app.extract.files import descriptor_path, open_regular
from desktop_app.extract.mupdf import pymupdf
from desktop_app.extract.pdf import MUPDF_LOCK


def extract(path: Path) -> list[Page]:
    """OCR each frame of the picture at ``path``; raise ExtractionError if none has text."""
    kind = path.suffix.lstrip(".").upper() or "image"
    with MUPDF_LOCK:
        with open_regular(path) as fh:
            if not fh.read(1):
                raise ExtractionError("skipped", "empty file")
            try:
                doc = open_image(fh, path)
            except pymupdf.FileNotFoundError as exc:
                raise FileNotFoundError(str(exc)) from exc
            except (RuntimeError, ValueError, OSError) as exc:
                raise ExtractionError("failed", f"malformed or damaged {kind} image") from exc
        with doc:
            if doc.page_count == 0:
                raise ExtractionError("failed", f"malformed or damaged {kind} image")
            return scans.ocr_frames(doc, path, kind)


def open_image(fh: BinaryIO, path: Path) -> pymupdf.Document:
    """The picture ``fh`` has open (named ``path``) as a PyMuPDF document."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix != "webp":
        return pymupdf.open(descriptor_path(fh, path), filetype=suffix)
    from PIL import Image

    fh.seek(0)
    with Image.open(fh) as picture:
        frames = []
        for index in range(getattr(picture, "n_frames", 1)):
            picture.seek(index)
            out = io.BytesIO()
            picture.convert("L").save(out, format="PNG")
            frames.append(out.getvalue())
    doc = pymupdf.open()
    for frame in frames:
        with pymupdf.open(stream=frame, filetype="png") as single:
            doc.insert_pdf(pymupdf.open("pdf", single.convert_to_pdf()))
    return doc
