"""The window's marks for files found by their words while they wait for their vectors."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.events import SearchResult
from desktop_app.gui.folders import _idle_state
from desktop_app.gui.results import ResultsModel, extras_text
from desktop_app.gui.workers import FolderInfo


def test_a_folder_with_files_waiting_for_meaning_is_not_called_up_to_date():
    assert _idle_state(FolderInfo("/docs", True, 280, 0, 0)) == "up to date"
    assert _idle_state(FolderInfo("/docs", True, 280, 0, 0, meaning_pending=274)) == (
        "6 of 280 files searchable by meaning, all by words")


def test_a_result_found_by_its_words_only_says_meaning_pending(qtbot):
    result = SearchResult(path="/docs/tides.txt", page=None, score=0.4, text="spring tides",
                          char_start=0, char_end=12, chunk_id=1, meaning_pending=True)
    assert extras_text(result) == "meaning pending"
    model = ResultsModel()
    model.set_results("spring tides", [result])
    tip = model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "found by meaning too once indexing reaches it" in tip


def test_the_indexing_panel_shows_a_bar_for_each_step(qtbot):
    from desktop_app.events import SyncProgress, SyncSummary
    from desktop_app.gui.progress import IndexingPanel

    panel = IndexingPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_busy(True)
    panel.show_progress(SyncProgress(phase="indexing", files_total=280, files_done=40))
    assert panel.bar.format() == "by words: 40 / 280 files" and panel.meaning_bar.isHidden()
    panel.show_progress(SyncProgress(phase="embedding", files_total=280, files_done=6,
                                     chunks_per_second=41.5, eta_seconds=3600.0))
    assert panel.bar.format() == "searchable by words: all files"
    assert panel.meaning_bar.isVisible()
    assert panel.meaning_bar.format() == "by meaning: 6 / 280 files"
    assert "41.5 passages/s" in panel.detail.text() and "left" in panel.detail.text()
    panel.show_summary(SyncSummary(indexed=280, cancelled=True))
    assert panel.meaning_bar.isHidden()


def test_a_search_by_meaning_alone_says_how_many_files_it_cannot_see_yet(make_window):
    window = make_window()
    search = window.search
    result = SearchResult(path="/docs/bees.txt", page=None, score=0.9, text="bees dance",
                          char_start=0, char_end=10, chunk_id=1, good_match=True)
    search.set_meaning_pending(274)
    search.show_results(search.generation, "bees", [result])
    assert "not searchable by meaning yet" not in window.results_header.text()  # hybrid
    combo = window.filters.mode_combo
    combo.setCurrentIndex(combo.findData("vector"))
    search.show_results(search.generation, "bees", [result])
    assert window.results_header.text().endswith("(274 files not searchable by meaning yet)")
