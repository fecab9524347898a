"""Pages read by OCR, kept by the file's content: ``<data>/ocr/<sha256>.json.gz``.

One file per document content (so a moved, renamed, copied or re-indexed file is never read
twice), holding for each page read its text and each word's span in that text, printed line
and box in page coordinates. The extraction process writes it; the window's preview reads it
to draw a passage's highlight on the scanned page. Written atomically and private to the
user (``desktop_app.private``): it is the text of the user's documents.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from pathlib import Path

from desktop_app.extract.ocr import ENGINE_ID, OcrPage, OcrWord
from desktop_app.private import private_dir, write_private

log = logging.getLogger(__name__)

#: The cache's folder inside a library's data folder.
FOLDER = "ocr"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def cache_path(cache_dir: Path, sha256: str) -> Path:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return Path(cache_dir) / f"{sha256}.json.gz"


def load(cache_dir: Path, sha256: str) -> dict[int, OcrPage]:
    """The pages of this content read before by this engine ({} when none or unreadable)."""
    try:
        with gzip.open(cache_path(cache_dir, sha256), "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, EOFError) as exc:  # damaged: read the pages again
        log.info("OCR cache %s unreadable: %s", sha256, exc)
        return {}
    if not isinstance(data, dict) or data.get("engine") != ENGINE_ID:
        return {}
    pages: dict[int, OcrPage] = {}
    try:
        for number, page in data["pages"].items():
            words = tuple(OcrWord(int(s), int(e), int(ln), (float(a), float(b), float(c),
                                                            float(d)))
                          for s, e, ln, a, b, c, d in page["words"])
            pages[int(number)] = OcrPage(str(page["text"]), words)
    except (KeyError, TypeError, ValueError) as exc:
        log.info("OCR cache %s malformed: %s", sha256, exc)
        return {}
    return pages


def save(cache_dir: Path, sha256: str, pages: dict[int, OcrPage]) -> None:
    """Write the pages read of this content (replacing what was there), atomically."""
    data = {
        "engine": ENGINE_ID,
        "pages": {
            str(number): {
                "text": page.text,
                "words": [[w.start, w.end, w.line, *(round(v, 2) for v in w.box)]
                          for w in page.words],
            }
            for number, page in sorted(pages.items())
        },
    }
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    private_dir(Path(cache_dir))
    write_private(cache_path(cache_dir, sha256), gzip.compress(raw, compresslevel=6, mtime=0))


def passage_boxes(page: OcrPage, start: int, end: int) -> list[tuple[float, float, float, float]]:
    """One box per printed line holding the words of ``page.text[start:end]`` (page
    coordinates), in reading order."""
    lines: dict[int, list[float]] = {}
    for w in page.words:
        if w.end > start and w.start < end:
            x0, y0, x1, y1 = w.box
            box = lines.get(w.line)
            if box is None:
                lines[w.line] = [x0, y0, x1, y1]
            else:
                box[0], box[1] = min(box[0], x0), min(box[1], y0)
                box[2], box[3] = max(box[2], x1), max(box[3], y1)
    return [(b[0], b[1], b[2], b[3]) for b in lines.values()]
