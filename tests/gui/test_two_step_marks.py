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
