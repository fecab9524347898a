"""``desktop-app --self-test``: prove that an installed or frozen app really works.

Every build is smoke-tested with it (``installer/build.py`` runs it on the frozen app), so it
exercises what a packaging mistake would break: the bundled model files (found, unpacked,
sha256-checked), tokenizers and onnxruntime, PyMuPDF, the Word reader, the OCR engine and
its models, SQLite, hnswlib, and the Qt stack with its platform plugin. It indexes the four
short files shipped in ``resources/sample/`` (one turned into a PDF, one into a Word file,
one into a scanned picture) into a temporary data folder, asks paraphrases of them and
checks that the right file and page rank first; then it opens the main window offscreen on
that library, waits for its reader thread to load the model and searches through the search
box.

Nothing outside the temporary folder is touched, and nothing goes over the network.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from desktop_app import __version__
from desktop_app.events import SearchResult
from desktop_app.exit_codes import EXIT_FAILED, EXIT_OK
from desktop_app.searching import SearchOptions

#: Paraphrases of two sample files that share almost none of their words, and the file (and
#: page) each must find first. The lighthouse text is indexed as a PDF made at run time,
#: its text on page 2, so PDF extraction and page numbers are checked too.
QUERY = "how do bees tell the rest of the colony where to find food"
EXPECTED_FILE = "honeybees.md"
PDF_QUERY = "who looked after the lamp in the tower by the sea at night"
PDF_FILE, PDF_PAGE = "lighthouses.pdf", 2
#: A Word file (python-docx) and a scanned page (a picture of the text, read by OCR).
DOCX_QUERY = "what should I do when grey water collects on top of my bread culture"
DOCX_FILE, DOCX_PAGE = "sourdough.docx", 1
SCAN_QUERY = "how were the flat fields drained of water long ago"
SCAN_FILE, SCAN_PAGE = "windmills.png", 1
SAMPLE_FILES = ("honeybees.md", "lighthouses.txt", "sourdough.md", "windmills.txt")
#: The window's reader thread loads the model; a cold disk on a slow machine can take a while.
GUI_TIMEOUT_SECONDS = 60.0



class SelfTestFailure(RuntimeError):
    """A check failed; the message says which and what was seen instead."""


def _copy_sample(target: Path) -> Path:
    """Copy the bundled sample into ``target`` (the package may be read-only or zipped),
    turning lighthouses.txt into a two-page PDF."""
    target.mkdir(parents=True)
    folder = resources.files("desktop_app") / "resources" / "sample"
    for name in SAMPLE_FILES:
        entry = folder / name
        if not entry.is_file():
            raise SelfTestFailure(f"the sample file resources/sample/{name} is not installed "
                                  "with the app; the package data is incomplete")
        if name == "lighthouses.txt":
            _write_pdf(target / PDF_FILE, entry.read_text(encoding="utf-8"))
        elif name == "sourdough.md":
            _write_docx(target / DOCX_FILE, entry.read_text(encoding="utf-8"))
        elif name == "windmills.txt":
            _write_scan(target / SCAN_FILE, entry.read_text(encoding="utf-8"))
        else:
            (target / name).write_bytes(entry.read_bytes())
    return target


def _write_pdf(path: Path, text: str) -> None:
    """A cover page, then ``text`` on page 2, written with PyMuPDF."""
    from desktop_app.extract.mupdf import pymupdf

    title, _, body = text.partition("\n")
    with pymupdf.open() as doc:
        cover = doc.new_page()
        cover.insert_text((72, 120), "Notes from the coast", fontsize=24)
        page = doc.new_page()
        page.insert_text((72, 90), title.strip(), fontsize=16)
        if page.insert_textbox(pymupdf.Rect(72, 110, 523, 770), body.strip(), fontsize=11) < 0:
            raise SelfTestFailure("the sample text does not fit on one PDF page")
        doc.save(path)


def _write_docx(path: Path, text: str) -> None:
    """The Markdown sample as a Word file: its heading as a heading, each paragraph one."""
    import docx

    document = docx.Document()
    title, _, body = text.partition("\n")
    document.add_heading(title.lstrip("# ").strip(), level=1)
    for paragraph in body.strip().split("\n\n"):
        document.add_paragraph(" ".join(paragraph.replace("*", "").split()))
    document.save(str(path))


def _write_scan(path: Path, text: str) -> None:
    """A picture of the text as a scanner would make it (grey, 150 dpi), with no text layer."""
    from desktop_app.extract.mupdf import pymupdf

    title, _, body = text.partition("\n")
    with pymupdf.open() as doc:
        page = doc.new_page()
        page.insert_text((72, 90), title.strip(), fontsize=16)
        if page.insert_textbox(pymupdf.Rect(72, 110, 523, 770), body.strip(), fontsize=11) < 0:
            raise SelfTestFailure("the sample text does not fit on one page")
        page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY).save(str(path))


def _describe_runtime() -> str:
    import onnxruntime

    kind = "frozen" if getattr(sys, "frozen", False) else "from source"
    return (f"desktop-app {__version__} self-test ({kind}) · Python "
            f"{platform.python_version()} · onnxruntime {onnxruntime.__version__} · "
            f"{platform.system()} {platform.machine()}")


def _check_search(data_dir: Path, sample: Path, say: Callable[[str], None]) -> None:
    from desktop_app.library import Library

    with Library(data_dir) as library:
        started = time.perf_counter()
        library.add([sample])
        for _ in library.sync():
            pass
        counts = library.status().counts
        if counts.get("indexed", 0) != len(SAMPLE_FILES):
            raise SelfTestFailure(f"expected {len(SAMPLE_FILES)} files indexed, got {counts}")
        say(f"indexed {counts['indexed']} files ({counts.get('chunks', 0)} passages) in "
            f"{time.perf_counter() - started:.2f} s, model on "
            f"{library.encoder.provider.upper()}")
        for query, name, page in ((QUERY, EXPECTED_FILE, None), (PDF_QUERY, PDF_FILE, PDF_PAGE),
                                  (DOCX_QUERY, DOCX_FILE, DOCX_PAGE),
                                  (SCAN_QUERY, SCAN_FILE, SCAN_PAGE)):
            _check_query(library.search(query, SearchOptions(k=3)), query, name, page, say)


def _check_query(results: list[SearchResult], query: str, name: str, page: int | None,
                 say: Callable[[str], None]) -> None:
    say(f'query: "{query}"')
    if not results:
        raise SelfTestFailure("the search returned no results")
    top = results[0]
    shown = "-" if top.page is None else str(top.page)
    say(f"top result: {top.path}  page {shown}  score {top.score:.3f}")
    if Path(top.path).name != name or top.page != page:
        ranked = ", ".join(f"{Path(r.path).name} p.{r.page} ({r.score:.3f})" for r in results)
        where = name if page is None else f"{name} page {page}"
        raise SelfTestFailure(f"expected {where} to rank first; got {ranked}")


def _check_window(data_dir: Path, say: Callable[[str], None]) -> None:
    # The GUI package is the only one that imports Qt; the check itself lives there, and is
    # imported only now so that the core half runs (and is tested) without Qt.
    try:
        from desktop_app.gui.smoke import WindowCheckFailed, open_window_once
    except ImportError as exc:
        raise SelfTestFailure(f"the window cannot open: {exc}; PySide6-Essentials is part of "
                              "the app, reinstall it") from exc
    try:
        say(open_window_once(data_dir, QUERY, EXPECTED_FILE, GUI_TIMEOUT_SECONDS))
    except WindowCheckFailed as exc:
        raise SelfTestFailure(str(exc)) from exc


def run_self_test(*, gui: bool = True, out: Callable[[str], None] | None = None) -> int:
    """Run the checks, printing each step; 0 if all passed, 1 (with the reason) if not."""
    # Before Qt is imported anywhere: the self-test must run without a display (CI, SSH).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    say = out or (lambda line: print(line, flush=True))
    tmp = Path(tempfile.mkdtemp(prefix="desktop-app-self-test-"))
    try:
        say(_describe_runtime())
        sample = _copy_sample(tmp / "sample")
        data_dir = tmp / "data"
        _check_search(data_dir, sample, say)
        if gui:
            _check_window(data_dir, say)
    except SelfTestFailure as exc:
        say(f"self-test FAILED: {exc}")
        return EXIT_FAILED
    except Exception as exc:  # a broken build shows up here: say what broke, never crash
        say(f"self-test FAILED: {type(exc).__name__}: {exc}")
        say("".join(traceback.format_exception(exc)).rstrip())
        return EXIT_FAILED
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say("self-test passed")
    return EXIT_OK
