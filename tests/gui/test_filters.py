"""The filter row under the search bar, the result's extras and "more like this"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gui_helpers import TEXTS, drop_and_index, search
from PySide6.QtCore import Qt

from desktop_app.events import SearchResult
from desktop_app.gui.results import ExtrasRole, ResultsModel, extras_text, more_text

OTHER_TEXT = (
    "Iceland sits on the Mid-Atlantic Ridge, where two plates pull apart and magma wells up "
    "through fissures. Its volcanoes erupt basalt lava in long curtains of fire, and some lie "
    "under glaciers, so an eruption can melt the ice and release a sudden flood.")


def result_names(window) -> list[str]:
    model = window.results_view.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def choose(qtbot, window, combo, data, timeout: int = 20_000) -> list[str]:
    """Pick the item of ``combo`` whose data is ``data``; wait for the query to run again."""
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not among the choices"
    query = window.search_input.text().strip()
    with qtbot.waitSignal(window.search.results_shown, timeout=timeout,
                          check_params_cb=lambda q, n: q == query):
        combo.setCurrentIndex(index)
    return result_names(window)


def test_type_filter_leaves_out_the_pdf(qtbot, make_window, corpus: Path) -> None:
    window = make_window()
    drop_and_index(qtbot, window, [corpus])
    names = search(qtbot, window, "firearm background checks by state")
    assert any(n.endswith(".pdf") for n in names)
    names = choose(qtbot, window, window.filters.type_combo, "text")
    assert names and not any(n.endswith(".pdf") for n in names)
    assert set(names) <= set(TEXTS)
    names = choose(qtbot, window, window.filters.type_combo, "pdf")
    assert names and all(n.endswith(".pdf") for n in names)


def test_folder_filter_limits_to_one_folder(qtbot, make_window, corpus: Path,
                                            tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "iceland.txt").write_text(OTHER_TEXT, encoding="utf-8")
    window = make_window()
    drop_and_index(qtbot, window, [corpus, other])
    qtbot.waitUntil(lambda: window.filters.folder_combo.count() == 3, timeout=10_000)
    names = search(qtbot, window, "volcanic eruptions of lava")
    assert "iceland.txt" in names and "volcanoes.txt" in names
    roots = {Path(window.filters.folder_combo.itemData(i)).name: window.filters.folder_combo
             .itemData(i) for i in range(1, 3)}
    names = choose(qtbot, window, window.filters.folder_combo, roots["other"])
    assert names == ["iceland.txt"]
    names = choose(qtbot, window, window.filters.folder_combo, roots["corpus"])
    assert "volcanoes.txt" in names and "iceland.txt" not in names
    names = choose(qtbot, window, window.filters.folder_combo, None)
    assert {"iceland.txt", "volcanoes.txt"} <= set(names)


def test_more_like_this_leaves_out_the_seed(qtbot, make_window, corpus: Path) -> None:
    window = make_window()
    drop_and_index(qtbot, window, [corpus])
    search(qtbot, window, "magma rises and erupts as lava")
    seed = window.current_result()
    assert seed is not None and Path(seed.path).name == "volcanoes.txt"
    with qtbot.waitSignal(window.search.results_shown, timeout=20_000,
                          check_params_cb=lambda q, n: q.startswith("like: ")):
        window.more_like_action.trigger()
    assert window.search_input.text() == "like: volcanoes.txt"
    assert window.search.liking
    model = window.results_model
    results = [model.result(row) for row in range(model.rowCount())]
    assert results, "more like this found nothing"
    assert seed.chunk_id not in {r.chunk_id for r in results}
    # Changing a filter runs "more like this" again, filtered.
    names = choose(qtbot, window, window.filters.type_combo, "pdf")
    assert all(n.endswith(".pdf") for n in names)
    assert window.search.liking
    # Typing leaves "more like this" for an ordinary search.
    names = search(qtbot, window, "tax return deadline")
    assert not window.search.liking


def test_more_like_this_shortcut(qtbot, make_window, corpus: Path) -> None:
    window = make_window()
    drop_and_index(qtbot, window, [corpus])
    search(qtbot, window, "when are taxes due")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    with qtbot.waitSignal(window.search.results_shown, timeout=20_000,
                          check_params_cb=lambda q, n: q == "like: tax-law.txt"):
        qtbot.keyClick(window.search_input, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert window.results_header.text().startswith(f"{window.results_model.rowCount()} "
                                                   "passages most like tax-law.txt")


def test_extras_text(qtbot) -> None:
    base = SearchResult(path="/docs/a.txt", page=None, score=0.5, text="lava flows",
                        char_start=0, char_end=10, chunk_id=1)
    assert extras_text(base) == ""
    rich = replace(base, more_in_file=2, duplicates=("/copy/a.txt",))
    assert extras_text(rich) == "also in 1 other file"  # "more" is the row's link
    assert more_text(rich) == "More from this file (+2)" and more_text(base) == ""
    model = ResultsModel()
    model.set_results("lava", [rich])
    assert model.index(0, 0).data(ExtrasRole) == extras_text(rich)
    assert "/copy/a.txt" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
