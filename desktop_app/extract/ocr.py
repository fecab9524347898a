"""Scanned pages → text with word boxes, offline: PP-OCR models run by onnxruntime.

The engine is the ``rapidocr`` package (Apache-2.0), whose wheel carries its detection and
recognition models (PP-OCRv6 small; one multilingual recogniser: English and the other
Latin-script languages, Chinese, Japanese): they are loaded from the installed package by
path, so nothing is ever downloaded (docs/ocr.md). Its sessions run on at most
``OCR_THREADS`` onnxruntime threads, in the extraction process, which runs at background
priority (``desktop_app.priority``).

What this module owns: turning one page image into an :class:`OcrPage` — its text in reading
order (columns read one after the other, lines joined by newlines, blocks by a blank line)
and each word's box in page coordinates with its character span in that text — and the
options a read runs under (:func:`using`), which the extraction process sets per file from
the library's settings. ``PAGES_READ`` counts pages the engine actually read in this process.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.extract.ocr_layout import Line, Word, reading_order

#: onnxruntime threads per OCR session: the page is a background job (nice 10 in the
#: extraction process), so it may use both cores of a small machine, never more than two.
OCR_THREADS = max(1, min(2, os.cpu_count() or 1))
#: Lines the recogniser is less sure of than this are dropped (rapidocr's own default).
MIN_LINE_SCORE = 0.5
#: Below this mean confidence a page may be upside down, and is read turned round too.
UPSIDE_DOWN_CONFIDENCE = 0.8
#: What a page is rendered at for OCR (dots per inch): small print stays legible.
RENDER_DPI = 200
#: Longest side of the image the engine reads (rapidocr's default): a larger page image is
#: rendered no larger, a picture is read shrunk to it.
MAX_SIDE = 2000
#: Detection works on the page shrunk to this many pixels on its long side (recognition
#: still reads each line at MAX_SIDE): detection took 0.2 s instead of 1.8 s on a page of a
#: paper, and found the same text on the pages measured (docs/ocr.md).
DETECT_SIDE = 1280
#: Identity of the engine and its settings; a cached page made another way is read again.
ENGINE_ID = f"rapidocr-PP-OCRv6-small/{RENDER_DPI}dpi/{MAX_SIDE}/det{DETECT_SIDE}/v1"

_HYPHENATED = re.compile(r"[^\W\d_]{2}-$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: pages the engine has read in this process (cache hits are not counted)
PAGES_READ = 0


@dataclass(frozen=True, slots=True)
class OcrWord:
    start: int  # the word's span in OcrPage.text
    end: int
    line: int  # words of one printed line share this number
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in page coordinates


@dataclass(frozen=True, slots=True)
class OcrPage:
    text: str
    words: tuple[OcrWord, ...]


@dataclass(frozen=True)
class OcrOptions:
    """How scans are treated in a read; set per file by the extraction process."""

    enabled: bool = True
    #: where read pages are kept by the file's content hash (None: no cache)
    cache_dir: Path | None = None
    #: the file's sha256 when the caller knows it (else it is computed when needed)
    sha256: str | None = None
    #: called after each page the engine read (the extraction process's sign of life)
    on_page: Callable[[], None] | None = None


_options: ContextVar[OcrOptions | None] = ContextVar("ocr_options", default=None)


@contextmanager
def using(options: OcrOptions) -> Iterator[None]:
    """Reads inside the block OCR scanned pages as ``options`` say."""
    token = _options.set(options)
    try:
        yield
    finally:
        _options.reset(token)


def current() -> OcrOptions | None:
    """The options of the read in progress; None when the caller did not ask for OCR
    (a plain ``extract``: scans are reported as needing OCR, nothing slow happens)."""
    return _options.get()


class OcrError(Exception):
    """The engine could not start or failed on a page; the message says why, for a user."""


# -- the engine ----------------------------------------------------------------------------
_engine: Any = None
_engine_lock = threading.Lock()


def _load_engine() -> Any:
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                import onnxruntime
                import rapidocr
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise OcrError(f"the OCR engine is not installed ({exc.name})") from exc
            # The app's rule for onnxruntime: no telemetry (the environment variable set on
            # import of desktop_app does the rest; see desktop_app/__init__.py).
            onnxruntime.disable_telemetry_events()
            models = Path(rapidocr.__file__).parent / "models"
            det, rec = models / "PP-OCRv6_det_small.onnx", models / "PP-OCRv6_rec_small.onnx"
            for model in (det, rec):
                if not model.is_file():
                    raise OcrError(f"the OCR engine's model {model.name} is missing")
            try:
                # Explicit model paths: rapidocr would otherwise look the model up in its
                # catalogue and fetch it when absent.
                _engine = RapidOCR(params={
                    "Global.log_level": "critical",
                    "Global.use_cls": False,  # upright lines; sideways pages handled below
                    "Global.return_word_box": True,
                    "Global.text_score": MIN_LINE_SCORE,
                    "Global.max_side_len": MAX_SIDE,
                    "Det.model_path": str(det),
                    "Det.limit_type": "max",
                    "Det.limit_side_len": DETECT_SIDE,
                    "Rec.model_path": str(rec),
                    "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                })
            except Exception as exc:
                raise OcrError(f"the OCR engine could not start ({exc})") from exc
        return _engine


def _run(gray: np.ndarray) -> tuple[list[Line], float]:
    """The engine's lines on a grey image (pixels), each with its words, and its mean
    confidence over every line it saw (0 when it saw none)."""
    engine = _load_engine()
    try:
        result = engine(np.ascontiguousarray(gray))
    except Exception as exc:
        raise OcrError(f"OCR failed on this page ({type(exc).__name__})") from exc
    lines: list[Line] = []
    scores = [float(score) for score in getattr(result, "scores", None) or ()]
    for line_text, line_words, score in zip(getattr(result, "txts", None) or (),
                                            getattr(result, "word_results", None) or (),
                                            getattr(result, "scores", None) or ()):
        if score < MIN_LINE_SCORE:
            continue
        # The line's text as read; its words (single characters in Chinese and Japanese
        # lines) are found in it in order, for their boxes.
        text = " ".join(_CONTROL.sub("", str(line_text)).split())
        words = []
        cursor = 0
        for token, _, quad in line_words:
            token = "".join(_CONTROL.sub("", str(token)).split())
            start = text.find(token, cursor) if token else -1
            if start < 0:
                continue
            cursor = start + len(token)
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            words.append(Word(token, start, min(xs), min(ys), max(xs), max(ys)))
        if words:
            lines.append(Line(text, words))
    return lines, sum(scores) / len(scores) if scores else 0.0


def _quality(lines: list[Line]) -> int:
    return sum(len(line.text) for line in lines)


def _mostly_upright(lines: list[Line]) -> bool:
    """Whether the lines found run across the page (not up or down it)."""
    wide = sum(1 for line in lines if line.x1 - line.x0 >= line.y1 - line.y0)
    return wide >= len(lines) / 2


def _unturn(k: int, height: int, width: int) -> Callable[[Word], tuple[float, ...]]:
    """Maps a word's box on ``np.rot90(image, k)`` back onto the image (``height`` ×
    ``width`` pixels); k is 0, 1 (a quarter turn anticlockwise), 2 (a half turn) or 3
    (a quarter turn clockwise)."""
    def box(w: Word) -> tuple[float, ...]:
        if k == 0:
            return (w.x0, w.y0, w.x1, w.y1)
        if k == 1:
            return (width - w.y1, w.x0, width - w.y0, w.x1)
        if k == 2:
            return (width - w.x1, height - w.y1, width - w.x0, height - w.y0)
        return (w.y0, height - w.x1, w.y1, height - w.x0)

    return box


def recognise(gray: np.ndarray, scale: float, on_page: Callable[[], None] | None = None,
              ) -> OcrPage:
    """Read a page image: ``gray`` is H×W uint8 pixels, ``scale`` pixels per page unit
    (boxes are returned in page units). A page whose text runs sideways (a scan saved with
    the wrong rotation) is also read turned a quarter each way, and the best reading kept."""
    global PAGES_READ
    lines, confidence = _run(gray)
    turn = 0
    if lines and not _mostly_upright(lines):
        # The recogniser reads a sideways line too (it turns tall crops), but the reading
        # order needs the page upright: the better of the two quarter turns is kept.
        best = 0.8 * _quality(lines)
        for k in (1, 3):
            turned, _ = _run(np.rot90(gray, k))
            if _quality(turned) > best and _mostly_upright(turned):
                lines, turn, best = turned, k, _quality(turned)
    elif lines and confidence < UPSIDE_DOWN_CONFIDENCE:
        # Read upside down, text comes out as unsure gibberish (mean 0.63 against 0.99 on a
        # page of a paper): the page is read turned round too, and the better kept.
        turned, _ = _run(np.rot90(gray, 2))
        if _quality(turned) > _quality(lines):
            lines, turn = turned, 2
    PAGES_READ += 1
    if on_page is not None:
        on_page()
    return assemble(lines, scale, _unturn(turn, *gray.shape[:2]))


def assemble(lines: list[Line], scale: float,
             box: Callable[[Word], tuple[float, ...]] | None = None) -> OcrPage:
    """The page's text in reading order, with each word's span and box (page units);
    ``box`` gives a word's box in the image's pixels (default: as found).

    A word hyphenated at a line's end is joined to its rest on the next line, as the text
    of a PDF is (``desktop_app.extract.pdf``), so "ingre-" + "dient" is found as
    "ingredient"; its two parts keep their own boxes."""
    box = box or _unturn(0, 0, 0)
    parts: list[str] = []
    words: list[OcrWord] = []
    offset = 0
    line_no = 0
    joined = False  # the last row ended in a hyphen that joins the next row's first word
    for block_index, block in enumerate(reading_order(lines)):
        for row_index, row in enumerate(block):
            for i, line in enumerate(row):
                if i:
                    sep = " "
                elif not parts or (joined and row_index):
                    sep = ""
                else:
                    sep = "\n\n" if row_index == 0 and block_index else "\n"
                text = line.text
                joined = i == len(row) - 1 and _HYPHENATED.search(text) is not None
                if joined:
                    text = text[:-1]
                parts += (sep, text)
                offset += len(sep)
                for w in line.words:
                    end = min(w.start + len(w.text), len(text))
                    if end <= w.start:
                        continue  # the hyphen alone
                    x0, y0, x1, y1 = box(w)
                    words.append(OcrWord(offset + w.start, offset + end, line_no,
                                         (x0 / scale, y0 / scale, x1 / scale, y1 / scale)))
                offset += len(text)
                line_no += 1
        if joined:  # a hyphen at a block's end stays
            parts.append("-")
            offset += 1
            joined = False
    return OcrPage("".join(parts), tuple(words))
