"""OCR of scanned pages and pictures: real scans made here (text rendered by PyMuPDF into
images), read by the real engine, indexed and searched through the real Library and model."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import extraction
from desktop_app.events import SearchResult
from desktop_app.extract import ExtractionError, extract, ocr, ocr_cache
from desktop_app.extract.mupdf import pymupdf
from desktop_app.extraction import ALIVE, ReadJob, ReadResult, recv_frame, send_frame, serve
from desktop_app.library import Library
from desktop_app.searching import SearchOptions

SCAN_TEXT = ("The lighthouse keeper wrote down every storm in a leather journal "
             "and pinned the tidal charts above his desk.")
TIFF_PAGES = ("Invoice for seven crates of oranges shipped by rail.",
              "Payment is due within thirty days of delivery.")
TEXT_PAGE = ("Quarterly report on the bakery: sourdough sales rose while croissant sales "
             "held steady through the winter months.")
DPI = 110  # small images keep the module fast; still easily legible for the engine


def render(text: str, width: float = 420, height: float = 150) -> pymupdf.Pixmap:
    """``text`` typeset on a page and rendered grey: what a scanner would see."""
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    page.insert_textbox(pymupdf.Rect(20, 20, width - 20, height - 20), text, fontsize=13)
    return page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)


def source_words(text: str, width: float = 420, height: float = 150) -> list[tuple]:
    """Where each word of ``text`` sits on the page ``render`` typesets (page units)."""
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    page.insert_textbox(pymupdf.Rect(20, 20, width - 20, height - 20), text, fontsize=13)
    return page.get_text("words")


def scanned_pdf(path: Path, texts: list[str | None], width: float = 420,
                height: float = 150) -> Path:
    """A PDF whose pages are pictures of ``texts`` (None: a page with a real text layer
    of TEXT_PAGE instead), each picture filling its page, as a scanner writes them."""
    doc = pymupdf.open()
    for text in texts:
        page = doc.new_page(width=width, height=height)
        if text is None:
            page.insert_textbox(pymupdf.Rect(20, 20, width - 20, height - 20), TEXT_PAGE,
                                fontsize=11)
        else:
            page.insert_image(page.rect, stream=render(text, width, height).tobytes("png"))
    doc.save(path)
    return path


def tiff(path: Path, texts: tuple[str, ...]) -> Path:
    frames = [Image.open(io.BytesIO(render(t).tobytes("png"))) for t in texts]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(DPI, DPI))
    return path


def flat(text: str) -> str:
    return " ".join(text.split())


def read(path: Path, **options) -> list:
    with ocr.using(ocr.OcrOptions(**options)):
        return extract(path)


# -- reading --------------------------------------------------------------------------------
def test_a_picture_of_text_is_read_with_its_words(tmp_path):
    png = tmp_path / "note.png"
    render(SCAN_TEXT).save(png)
    [page] = read(png)
    assert page.number == 1
    assert flat(page.text) == SCAN_TEXT


def test_a_webp_picture_is_read_too(tmp_path):
    """MuPDF does not read WebP; the picture goes through Pillow."""
    webp = tmp_path / "note.webp"
    Image.open(io.BytesIO(render(SCAN_TEXT).tobytes("png"))).save(webp, lossless=True)
    [page] = read(webp)
    assert (page.number, flat(page.text)) == (1, SCAN_TEXT)


def test_each_frame_of_a_tiff_is_a_page(tmp_path):
    pages = read(tiff(tmp_path / "invoice.tif", TIFF_PAGES))
    assert [p.number for p in pages] == [1, 2]
    assert [flat(p.text) for p in pages] == list(TIFF_PAGES)


def test_a_mixed_pdf_keeps_its_text_page_and_reads_its_scanned_page(tmp_path):
    pdf = scanned_pdf(tmp_path / "mixed.pdf", [None, SCAN_TEXT])
    before = ocr.PAGES_READ
    pages = read(pdf)
    assert ocr.PAGES_READ - before == 1, "only the scanned page goes through OCR"
    assert [p.number for p in pages] == [1, 2]
    assert flat(pages[0].text) == TEXT_PAGE  # the text layer, as it was
    assert flat(pages[1].text) == SCAN_TEXT


def test_a_real_scan_saved_sideways_is_read_upright(test_data):
    [page] = read(test_data / "pdfs" / "tricky" / "scanned-no-text-layer-rotated.pdf")
    assert flat(page.text) == ("Docling bundles PDF document conversion to JSON and Markdown "
                               "in an easy self contained package")


def test_a_scan_upside_down_is_read_turned_round_with_its_boxes_on_the_picture(tmp_path):
    png = tmp_path / "upside-down.png"
    picture = Image.open(io.BytesIO(render(SCAN_TEXT).tobytes("png"))).rotate(180)
    picture.save(png, dpi=(DPI, DPI))
    cache = tmp_path / "ocr"
    [page] = read(png, cache_dir=cache)
    assert flat(page.text) == SCAN_TEXT
    [kept] = ocr_cache.load(cache, next(cache.iterdir()).name[:64]).values()
    first = kept.words[0]
    assert kept.text[first.start:first.end] == "The"
    # On the turned picture the first word is at the bottom right: where the typeset word
    # lands when the page (420 x 150) is turned round.
    x0, y0, x1, y1, *_ = source_words(SCAN_TEXT)[0]
    cx, cy = 420 - (x0 + x1) / 2, 150 - (y0 + y1) / 2
    a, b, c, d = first.box
    assert a <= cx <= c and b <= cy <= d


def test_two_columns_are_read_one_after_the_other(tmp_path):
    left = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi."
    right = "One two three four five six seven eight nine ten eleven twelve thirteen."
    doc = pymupdf.open()
    page = doc.new_page(width=440, height=200)
    page.insert_textbox(pymupdf.Rect(20, 20, 200, 190), left, fontsize=12)
    page.insert_textbox(pymupdf.Rect(240, 20, 420, 190), right, fontsize=12)
    png = tmp_path / "columns.png"
    page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY).save(png)
    [read_page] = read(png)
    assert flat(read_page.text) == f"{left} {right}"


def test_a_blank_scan_gets_a_reason(tmp_path):
    png = tmp_path / "blank.png"
    Image.new("L", (300, 200), 255).save(png)
    with pytest.raises(ExtractionError) as caught:
        read(png)
    assert (caught.value.status, caught.value.reason) == ("skipped",
                                                          "PNG image: OCR found no text")


def test_with_ocr_off_a_scan_keeps_its_reason_and_says_ocr_is_off(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", [SCAN_TEXT])
    before = ocr.PAGES_READ
    with pytest.raises(ExtractionError) as caught:
        read(pdf, enabled=False)
    assert caught.value.reason == "no text layer (needs OCR) (OCR is off)"
    png = tmp_path / "note.png"
    render(SCAN_TEXT).save(png)
    with pytest.raises(ExtractionError) as caught:
        read(png, enabled=False)
    assert caught.value.reason == "a picture: its text needs OCR (OCR is off)"
    assert before == ocr.PAGES_READ


def test_the_cache_holds_each_words_span_and_box_privately(tmp_path):
    pdf = scanned_pdf(tmp_path / "scan.pdf", [SCAN_TEXT])
    cache = tmp_path / "ocr"
    [page] = read(pdf, cache_dir=cache)
    [kept] = cache.iterdir()
    with gzip.open(kept, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["pages"]["1"]["text"] == page.text
    if os.name == "posix":
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
    before = ocr.PAGES_READ
    assert read(pdf, cache_dir=cache) == [page]
    assert before == ocr.PAGES_READ, "the second read comes from the cache"


def test_the_extraction_process_says_it_is_alive_after_each_ocr_page(tmp_path):
    """The parent's time limit restarts with each page read by OCR (ALIVE frames)."""
    pdf = scanned_pdf(tmp_path / "scan.pdf", [SCAN_TEXT, TIFF_PAGES[0]])
    inp, out = io.BytesIO(), io.BytesIO()
    send_frame(inp, (1, ReadJob(str(pdf), 0, 0, "unused", 256, ocr=True)))
    inp.seek(0)

    def handle(job: ReadJob) -> ReadResult:
        with ocr.using(ocr.OcrOptions(on_page=extraction.alive)):
            pages = extract(Path(job.path))
        return ReadResult("indexed", pages=len(pages))

    serve(handle, inp, out)
    out.seek(0)
    frames = []
    while (frame := recv_frame(out)) is not None:
        frames.append(frame)
    assert frames[:2] == [(1, ALIVE), (1, ALIVE)]
    assert frames[2][1].pages == 2 and len(frames) == 3


# -- the library ----------------------------------------------------------------------------
def _sync(lib: Library):
    events = list(lib.sync())
    return events, events[-1].summary


@pytest.fixture(scope="module")
def scanned_library(tmp_path_factory):
    """A folder of scans (a mixed PDF, a two-frame TIFF), indexed once for the module."""
    root = tmp_path_factory.mktemp("scans")
    folder = root / "scans"
    folder.mkdir()
    scanned_pdf(folder / "mixed.pdf", [None, SCAN_TEXT])
    tiff(folder / "invoice.tiff", TIFF_PAGES)
    lib = Library(root / "data")
    lib.add([folder])
    events, summary = _sync(lib)
    yield lib, root, folder, events, summary
    lib.close()


def test_scans_are_indexed_and_counted(scanned_library):
    _, _, _, events, summary = scanned_library
    outcomes = {Path(e.outcome.path).name: e.outcome for e in events if e.outcome}
    assert outcomes["mixed.pdf"].status == "indexed" and outcomes["mixed.pdf"].pages == 2
    assert outcomes["invoice.tiff"].status == "indexed" and outcomes["invoice.tiff"].pages == 2
    assert summary.ocr_pages == 3
    assert events[-1].ocr_pages_done == 3


def test_a_search_finds_the_scanned_page(scanned_library):
    lib = scanned_library[0]
    [hit] = lib.search("where did the lighthouse keeper record the storms", SearchOptions(k=1))
    assert (Path(hit.path).name, hit.page) == ("mixed.pdf", 2)
    assert "leather journal" in flat(hit.text)
    [hit] = lib.search("payment is due thirty days after delivery", SearchOptions(k=1))
    assert (Path(hit.path).name, hit.page) == ("invoice.tiff", 2)


def test_a_moved_scan_is_not_read_again(scanned_library):
    lib, root, folder, _, _ = scanned_library
    cache = lib.data_dir / ocr_cache.FOLDER
    assert len(list(cache.glob("*.json.gz"))) == 2
    # The folder leaves the library, and comes back elsewhere: a fresh read of each file.
    lib.remove(folder)
    _sync(lib)
    moved = root / "archive"
    shutil.move(folder, moved)
    lib.add([moved])
    _, summary = _sync(lib)
    assert summary.indexed == 2 and summary.ocr_pages == 0
    [hit] = lib.search("where did the lighthouse keeper record the storms", SearchOptions(k=1))
    assert (Path(hit.path).parent.name, hit.page) == ("archive", 2)


def test_with_ocr_off_the_library_gives_the_reason(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    scanned_pdf(folder / "scan.pdf", [SCAN_TEXT])
    with Library(tmp_path / "data") as lib:
        lib.set_ocr(False)
        lib.add([folder])
        events, summary = _sync(lib)
        [outcome] = [e.outcome for e in events if e.outcome]
        assert (outcome.status, outcome.reason) == ("skipped",
                                                    "no text layer (needs OCR) (OCR is off)")
        assert summary.ocr_pages == 0
        # Turned on, the scan skipped for want of OCR is read at the next sync.
        lib.set_ocr(True)
        events, summary = _sync(lib)
        assert summary.indexed == 1 and summary.ocr_pages == 1


def test_a_mixed_pdf_read_with_ocr_off_has_its_scanned_page_read_once_ocr_is_on(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    scanned_pdf(folder / "mixed.pdf", [None, SCAN_TEXT])
    query = "where did the lighthouse keeper record the storms"
    with Library(tmp_path / "data") as lib:
        lib.set_ocr(False)
        lib.add([folder])
        events, _ = _sync(lib)
        [outcome] = [e.outcome for e in events if e.outcome]
        assert outcome.status == "indexed" and "OCR is off" in outcome.reason
        assert all(hit.page != 2 for hit in lib.search(query, SearchOptions(k=3)))
        lib.set_ocr(True)  # the file did not change: only the setting says to read it again
        events, summary = _sync(lib)
        assert summary.indexed == 1 and summary.ocr_pages == 1
        [hit] = lib.search(query, SearchOptions(k=1))
        assert hit.page == 2
        _, summary = _sync(lib)
        assert summary.indexed == 0 and summary.unchanged == 1, "read once, not every sync"


# -- the preview ----------------------------------------------------------------------------
def test_the_preview_highlights_the_passage_on_the_scanned_words(scanned_library, qtbot):
    from PySide6.QtGui import QColor

    from desktop_app.gui.rendering import PdfPreview, PreviewRequest, build_preview

    lib = scanned_library[0]
    [hit] = lib.search("where did the lighthouse keeper record the storms", SearchOptions(k=1))
    cache = lib.data_dir / ocr_cache.FOLDER
    width_px = 840
    preview = build_preview(PreviewRequest(hit, width_px, 1.0, QColor("yellow"),
                                           ocr_cache=cache))
    assert isinstance(preview, PdfPreview) and preview.highlights
    page_width = 420
    zoom = width_px / page_width * preview.zoom
    marked = [(r.left() / zoom, r.top() / zoom, r.right() / zoom, r.bottom() / zoom)
              for r in preview.highlights]
    # Every word of the passage, where the original page had it, lies under a highlight.
    passage_words = {w.strip(".,") for w in hit.text.split()}
    words = [w for w in source_words(SCAN_TEXT) if w[4].strip(".,") in passage_words]
    assert len(words) >= len(SCAN_TEXT.split()) - 1
    for x0, y0, x1, y1, *_ in words:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        assert any(a <= cx <= c and b <= cy <= d for a, b, c, d in marked), (x0, y0, x1, y1)
    # And the highlights cover no more than the passage's lines.
    text_top = min(w[1] for w in words) - 5
    text_bottom = max(w[3] for w in words) + 5
    assert all(b >= text_top and d <= text_bottom for _, b, _, d in marked)


def test_the_passage_boxes_come_from_the_words_in_its_span(scanned_library):
    from desktop_app.gui.rendering import ocr_passage_boxes

    lib = scanned_library[0]
    cache = lib.data_dir / ocr_cache.FOLDER
    [hit] = lib.search("payment is due thirty days after delivery", SearchOptions(k=1))
    boxes = ocr_passage_boxes(cache, hit)
    assert len(boxes) == 1, "the passage is one printed line"
    # The TIFF's page is its picture at the picture's resolution (DPI): the size of the
    # page the text was typeset on, so the words are where they were typeset.
    for x0, y0, x1, y1, *_ in source_words(TIFF_PAGES[1]):
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        assert any(a <= cx <= c and b <= cy <= d for a, b, c, d in boxes)
    elsewhere = SearchResult(hit.path, 2, 0.0, "text that is not on the page", 0, 5, 0)
    assert ocr_passage_boxes(cache, elsewhere) == []


def test_the_settings_dialog_turns_ocr_off_and_on(qtbot):
    from desktop_app.gui.settings import AppSettings, SettingsDialog

    dialog = SettingsDialog(AppSettings(), models=[], model_id="m", library_chunk_tokens=256,
                            active_provider=None, ocr=True)
    qtbot.addWidget(dialog)
    assert dialog.ocr.isChecked() and dialog.ocr_enabled()
    dialog.ocr.click()
    assert not dialog.ocr_enabled()
