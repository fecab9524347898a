"""The window end to end, offscreen, with the real bundled model: drop, index, search, preview."""

from __future__ import annotations

import shutil
from pathlib import Path

from gui_helpers import ENCRYPTED_PDF, NICS_PDF, TEXTS, drop_and_index, drop_paths, search
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QProgressBar

from desktop_app import __version__
from desktop_app.gui import desktop
from desktop_app.gui.rendering import PdfPreview, TextPreview
from desktop_app.gui.results import ResultRole


def test_first_run_shows_the_empty_state_with_the_search_box_focused(make_window):
    window = make_window()
    assert window.center.currentWidget() is window.empty_state
    assert window.empty_state.isVisible()
    assert window.focusWidget() is window.search_input
    # The names other checks rely on.
    assert isinstance(window.findChild(QLineEdit, "searchInput"), QLineEdit)
    assert isinstance(window.findChild(QAbstractItemView, "resultsView"), QAbstractItemView)
    assert isinstance(window.findChild(QProgressBar, "indexProgress"), QProgressBar)
    for name in ("previewPane", "folderList", "problemsView"):
        assert window.findChild(object, name) is not None, name


def test_ctrl_k_focuses_the_search_box_and_escape_clears_it(qtbot, make_window):
    window = make_window()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.folders.tree.setFocus()
    assert window.focusWidget() is window.folders.tree
    qtbot.keyClick(window.folders.tree, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is window.search_input
    qtbot.keyClicks(window.search_input, "volcano")
    qtbot.keyClick(window.search_input, Qt.Key.Key_Escape)
    assert window.search_input.text() == ""


def test_dropped_folder_is_indexed_and_a_paraphrase_finds_the_right_text_file(
        qtbot, make_window, corpus):
    window = make_window()
    summary = drop_and_index(qtbot, window, [corpus])
    assert summary is not None and summary.indexed == 4 and not summary.cancelled
    assert window.center.currentWidget() is window.results_split

    # the folders panel reads its counts on the reader thread after the sync: wait for them
    qtbot.waitUntil(lambda: [(r.path, r.files, r.state) for r in window.folders.rows()]
                    == [(str(corpus), "4 files", "up to date")], timeout=5000)
    assert window.folders.tree.topLevelItemCount() == 1

    names = search(qtbot, window, "how do plants make food out of sunlight")
    assert names[0] == "photosynthesis.txt"
    assert window.results_header.text().endswith("for “how do plants make food out of "
                                                 "sunlight”")
    search(qtbot, window, "zzzzqqq xylophone")
    assert window.results_header.text() == ("No good match for “zzzzqqq xylophone” — the "
                                            "closest passages:")
    assert search(qtbot, window, "when is my income tax return due")[0] == "tax-law.txt"

    # The best result is selected at once, and its passage is highlighted in the preview.
    view = window.results_view
    assert view.currentIndex().row() == 0
    result = view.currentIndex().data(ResultRole)
    preview = window.preview
    qtbot.waitUntil(lambda: preview.preview is not None and preview.preview.result == result,
                    timeout=10_000)
    assert isinstance(preview.preview, TextPreview)
    assert preview.highlighted_text() == result.text.replace("\n", "\u2029")
    assert preview.stack.currentWidget() is preview.text_view


def test_a_pdf_result_renders_its_page_with_the_passage_highlighted(
        qtbot, make_window, corpus, monkeypatch):
    opened: list[str] = []
    revealed: list[str] = []
    # The system's viewer and file manager are not part of the test: record the hand-over.
    monkeypatch.setattr(desktop.FileOpener, "open", lambda _self, path: opened.append(path)
                        or True)
    monkeypatch.setattr(desktop, "reveal_in_folder", lambda path: revealed.append(path) or True)
    window = make_window()
    window.resize(1280, 800)  # wider than the test screen: the page fits at zoom 1 and below 4
    drop_and_index(qtbot, window, [corpus])
    names = search(qtbot, window, "background checks for handguns")
    assert names[0] == NICS_PDF.name

    # Keyboard: from the search box into the list, down one and back up to the best one.
    qtbot.keyClick(window.search_input, Qt.Key.Key_Down)
    qtbot.keyClick(window.results_view, Qt.Key.Key_Down)
    assert window.results_view.currentIndex().row() == 1
    with qtbot.waitSignal(window.preview.shown, timeout=10_000) as shown:
        qtbot.keyClick(window.results_view, Qt.Key.Key_Up)
    preview = shown.args[0]
    assert isinstance(preview, PdfPreview)
    assert preview.result.page == 1
    assert preview.highlights, "the passage was not found on the page"
    pixmap = window.preview.page_pixmap()
    assert not pixmap.isNull() and pixmap.width() > 0 and pixmap.height() > 0
    # Rendered for the pane's pixel ratio, so it is sharp on high-DPI screens.
    assert pixmap.devicePixelRatio() == window.preview.devicePixelRatioF()
    assert window.preview.stack.currentWidget() is window.preview.scroll

    # Zooming in renders the page again, larger (not a blurry scale-up of the old image).
    with qtbot.waitSignal(window.preview.shown, timeout=10_000) as zoomed:
        window.preview.zoom_in_button.click()
    assert zoomed.args[0].zoom > preview.zoom
    assert window.preview.page_pixmap().width() > pixmap.width()

    # Enter opens the file in the system's viewer; "Show in folder" reveals it.
    qtbot.keyClick(window.results_view, Qt.Key.Key_Return)
    assert opened == [str(corpus / NICS_PDF.name)]
    window.preview.reveal_button.click()
    assert revealed == [str(corpus / NICS_PDF.name)]


def test_a_folder_dropped_while_indexing_runs_is_indexed_too(qtbot, make_window, corpus,
                                                             tmp_path):
    more = tmp_path / "more"
    more.mkdir()
    (more / "volcanoes-again.txt").write_text(TEXTS["volcanoes.txt"], encoding="utf-8")
    window = make_window()
    with qtbot.waitSignal(window.indexing_progress, timeout=30_000,
                          check_params_cb=lambda e: e.phase == "indexing"):
        drop_paths(window, [corpus])
    with qtbot.waitSignal(window.indexing_finished, timeout=60_000) as finished:
        drop_paths(window, [more])
    assert not finished.args[0].cancelled
    qtbot.waitUntil(lambda: sorted(r.files for r in window.folders.rows())
                    == ["1 file", "4 files"], timeout=5000)


def test_removing_a_folder_takes_its_files_out_of_the_results(qtbot, make_window, corpus):
    window = make_window()
    drop_and_index(qtbot, window, [corpus])
    assert search(qtbot, window, "volcano eruptions")[0] == "volcanoes.txt"
    window.remove_folder(str(corpus))
    qtbot.waitUntil(lambda: window.folders.rows() == [], timeout=10_000)
    assert window.center.currentWidget() is window.empty_state
    assert search(qtbot, window, "volcano eruptions") == []


def test_skipped_files_are_listed_in_the_problems_view_with_their_reason(
        qtbot, make_window, tmp_path, shared_pdfs):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    shutil.copy(ENCRYPTED_PDF, folder / ENCRYPTED_PDF.name)
    (folder / "note.txt").write_text("Volcanoes erupt when magma rises.", encoding="utf-8")
    window = make_window()
    summary = drop_and_index(qtbot, window, [folder])
    assert summary.skipped == 2 and summary.indexed == 1

    qtbot.waitUntil(lambda: window.problems.count() == 2, timeout=5000)
    reasons = window.problems.reasons()
    assert reasons[str(folder / "empty.txt")] == "empty file"
    assert "encrypted" in reasons[str(folder / ENCRYPTED_PDF.name)]
    texts = [window.problems.view.item(i).text() for i in range(window.problems.count())]
    assert any("password-protected.pdf" in t and "encrypted" in t for t in texts)


def test_a_folder_locked_by_another_process_is_explained_not_crashed_on(
        qtbot, make_window, tmp_path, corpus):
    from desktop_app.datalock import DataFolderLock

    data = tmp_path / "data"
    data.mkdir()
    other = DataFolderLock(data / ".lock")
    assert other.try_acquire()
    try:
        window = make_window(data)
        qtbot.waitUntil(window.banner.isVisible, timeout=10_000)
        assert "another desktop-app process" in window.banner.label.text()
        assert not window.folders.add_button.isEnabled()
        window.add_paths([str(corpus)])  # refused with a message, not an exception
        assert "cannot be added" in window.banner.label.text()
    finally:
        other.release()


def test_the_about_box_names_version_model_and_data_folder(make_window, tmp_path):
    window = make_window()
    text = window.about_text()
    assert __version__ in text
    assert window.library.profile.model_id in text
    assert str(tmp_path / "data") in text


def test_window_icon_is_installed_with_the_package(make_window):
    window = make_window(show=False)
    assert not window.windowIcon().isNull()
    assert (Path(__file__).resolve().parents[2] / "desktop_app" / "resources"
            / "app-icon.svg").is_file()


def test_files_changed_on_disk_reach_the_results_without_a_rescan(qtbot, make_window, corpus):
    window = make_window()
    drop_and_index(qtbot, window, [corpus])
    new = corpus / "glaciers.txt"
    with qtbot.waitSignal(window.indexing_finished, timeout=30_000):
        new.write_text("Glaciers are slow rivers of ice that carve valleys as they move.",
                       encoding="utf-8")
    assert search(qtbot, window, "moving ice shaping valleys")[0] == "glaciers.txt"
    with qtbot.waitSignal(window.indexing_finished, timeout=30_000):
        new.unlink()
    assert "glaciers.txt" not in search(qtbot, window, "moving ice shaping valleys")
