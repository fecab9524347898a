"""The results model and delegate, snippets, and the preview's rendering, without a window."""

from __future__ import annotations

import pymupdf
import pytest
from gui_helpers import NICS_PDF
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListView, QStyleOptionViewItem

from desktop_app.events import SearchResult
from desktop_app.gui.rendering import (
    PdfPreview,
    PreviewError,
    PreviewRequest,
    TextPreview,
    build_preview,
    chunk_word_rects,
)
from desktop_app.gui.results import ResultDelegate, ResultRole, ResultsModel
from desktop_app.gui.snippets import highlight_html, make_snippet
from desktop_app.query_terms import terms_of


def _result(path: str, text: str, page: int | None = None, start: int = 0,
            score: float = 0.5) -> SearchResult:
    return SearchResult(path=path, page=page, score=score, text=text, char_start=start,
                        char_end=start + len(text), chunk_id=1)


def test_query_terms_drop_stopwords_and_are_marked_as_searched():
    terms = terms_of("What are the background checks for handguns?")
    assert terms.texts == ("background", "checks", "handguns")
    html = highlight_html("Handguns checks & <rifles>", terms, "<b>", "</b>")
    assert html == "<b>Handguns</b> <b>checks</b> &amp; &lt;rifles&gt;"


def test_snippet_is_centred_on_the_query_words():
    text = "filler " * 200 + "the volcano erupted with lava " + "filler " * 200
    snippet = make_snippet(text, terms_of("volcano lava"), width=120)
    assert "volcano erupted with lava" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 122


def test_model_names_the_file_in_the_first_column_and_the_delegate_paints_rows(qtbot):
    model = ResultsModel()
    results = [_result("/docs/geology/volcanoes.txt", "Magma rises and erupts as lava."),
               _result("/docs/law/tax.pdf", "Returns are due in April.", page=3, score=0.2)]
    model.set_results("lava", results)
    assert model.rowCount() == 2
    assert model.index(0, 0).data() == "volcanoes.txt"
    assert model.index(1, 0).data(ResultRole) == results[1]
    assert "page 3" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)

    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = ResultDelegate(model, view)
    view.setItemDelegate(delegate)
    view.resize(420, 300)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    row_height = delegate.sizeHint(option, model.index(0, 0)).height()
    assert row_height > 3 * view.fontMetrics().height()
    with qtbot.waitExposed(view):
        view.show()
    # Paints every row through the delegate (an exception in paint() fails the test).
    image = view.grab().toImage()
    background = view.palette().base().color().rgb()
    painted = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height() // 2, 7)}
    assert len(painted - {background}) > 3


def test_chunk_text_is_found_line_by_line_on_its_pdf_page(shared_pdfs):
    with pymupdf.open(NICS_PDF) as doc:
        page = doc.load_page(0)
        text = page.get_text("text")
        passage = " ".join(text.split()[40:120])
        rects = chunk_word_rects(page, passage)
        assert rects and all(page.rect.contains(r) for r in rects)
        assert chunk_word_rects(page, "nothing like this is on the page at all") == []


@pytest.mark.parametrize("dpr", [1.0, 2.0])
def test_pdf_preview_is_rendered_at_the_screen_pixel_ratio(shared_pdfs, dpr):
    with pymupdf.open(NICS_PDF) as doc:
        words = doc.load_page(0).get_text("text").split()
    result = _result(str(NICS_PDF), " ".join(words[-60:]), page=1)
    preview = build_preview(PreviewRequest(result, int(500 * dpr), dpr, QColor("yellow"),
                                           zoom=1.0))
    assert isinstance(preview, PdfPreview)
    assert preview.image.devicePixelRatio() == dpr
    assert preview.image.width() == pytest.approx(500 * dpr, abs=2)
    assert preview.highlights


def test_text_preview_marks_the_chunk_span_and_survives_edits(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Intro line.\n\nThe passage we want.\n\nOutro.", encoding="utf-8")
    result = _result(str(path), "The passage we want.", start=13)
    preview = build_preview(PreviewRequest(result, 400, 1.0, QColor("yellow")))
    assert isinstance(preview, TextPreview)
    assert preview.text[preview.start:preview.end] == "The passage we want."

    path.write_text("New first line.\nIntro line.\n\nThe passage we want.", encoding="utf-8")
    moved = build_preview(PreviewRequest(result, 400, 1.0, QColor("yellow")))
    assert moved.text[moved.start:moved.end] == "The passage we want."

    path.unlink()
    gone = build_preview(PreviewRequest(result, 400, 1.0, QColor("yellow")))
    assert isinstance(gone, PreviewError) and "no longer there" in gone.message
