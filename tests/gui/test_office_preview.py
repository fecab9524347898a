"""An office document's result in the window: the result line names the page, and the
preview shows the page's text with the passage highlighted."""

from __future__ import annotations

import shutil

from gui_helpers import TEST_DATA, drop_and_index, search
from PySide6.QtCore import Qt

from desktop_app.extract import extract
from desktop_app.gui.rendering import TextPreview
from desktop_app.gui.results import ResultRole

OFFICE = TEST_DATA / "office"


def test_a_word_result_previews_its_page_with_the_passage_highlighted(
        qtbot, make_window, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("harbour-report.docx", "ferry-deck.pptx"):
        shutil.copy(OFFICE / name, docs / name)
    window = make_window()
    summary = drop_and_index(qtbot, window, [docs])
    assert summary is not None and summary.indexed == 2

    names = search(qtbot, window, "who inspects the cormorant nests on the fog signal tower")
    assert names[0] == "harbour-report.docx"
    index = window.results_view.currentIndex()
    result = index.data(ResultRole)
    assert result.page == 2
    assert "harbour-report.docx — page 2" in index.data(Qt.ItemDataRole.ToolTipRole)

    preview = window.preview
    qtbot.waitUntil(lambda: preview.preview is not None and preview.preview.result == result,
                    timeout=10_000)
    shown = preview.preview
    assert isinstance(shown, TextPreview)
    assert preview.stack.currentWidget() is preview.text_view
    # The page shown is page 2 as extracted, and the highlight is exactly the passage.
    page_two = next(p.text for p in extract(docs / "harbour-report.docx") if p.number == 2)
    assert shown.text == page_two
    assert shown.text[shown.start:shown.end] == result.text
    assert "cormorant" in result.text
    assert preview.highlighted_text() == result.text.replace("\n", "\u2029")
    assert preview.where.full_text().startswith("page 2  ·  ")

    names = search(qtbot, window, "what happens to the ferry timetable when the river freezes")
    assert names[0] == "ferry-deck.pptx"
    result = window.results_view.currentIndex().data(ResultRole)
    qtbot.waitUntil(lambda: preview.preview is not None and preview.preview.result == result,
                    timeout=10_000)
    assert preview.where.full_text().startswith("slide 2  ·  ")
    assert "river freezes" in preview.highlighted_text()


def test_an_attachment_passage_previews_in_the_attachment_not_the_message(qtbot):
    from PySide6.QtGui import QColor

    from desktop_app.events import SearchResult
    from desktop_app.gui.rendering import PreviewRequest, build_preview

    path = OFFICE / "permit.eml"
    message, attachment = extract(path)
    assert message.number == attachment.number == 1
    passage = "The permit to dredge the inner basin expires on 14 March"
    start = attachment.text.index(passage)
    result = SearchResult(path=str(path), page=1, score=0.9, text=passage, char_start=start,
                          char_end=start + len(passage), chunk_id=1)
    shown = build_preview(PreviewRequest(result, 400, 1.0, QColor("yellow")))
    assert isinstance(shown, TextPreview)
    assert shown.text == attachment.text
    assert shown.text[shown.start:shown.end] == passage
