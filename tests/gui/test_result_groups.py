"""Results grouped as the question asks: a file that holds most of the good candidates (a
long manual asked about) shows its best pages folded under its first result, in the order
the command line's JSON has; its first row's "More from this file" searches only in it."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from gui_helpers import TEXTS, drop_and_index, search
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyleOptionViewItem

from desktop_app.gui.results import FollowerRole, ResultDelegate

# One chapter per page of a small ferry operator's handbook: every page is about the ferry,
# so the handbook holds most of the good candidates for a question about it.
HANDBOOK = [
    "Boarding the ferry: foot passengers board through the upper gangway ten minutes "
    "before departure; cars queue in lanes one to four.",
    "Bicycles on the ferry travel on the car deck; a bicycle ticket costs four euros and is "
    "bought with the passenger ticket.",
    "Ferry timetable in winter: crossings every ninety minutes from six in the morning, the "
    "last ferry leaving the island at nine in the evening.",
    "Pets on the ferry stay on the outer deck or in the car; dogs must be on a lead in the "
    "passenger lounge.",
    "Ferry tickets bought online are refunded up to a day before the crossing; tickets "
    "bought at the harbour office are refunded in cash.",
    "When the ferry is cancelled for storms, tickets are valid on the next crossing and the "
    "harbour office posts notices at the terminal.",
]


def _handbook(folder: Path) -> Path:
    """The handbook, each chapter in seven editions, so that it holds more good pages (42)
    than one list of results shows (30)."""
    doc = pymupdf.open()
    for edition in ("Regional", "Summer", "Winter", "Island", "Harbour", "Coastal",
                    "Student"):
        for text in HANDBOOK:
            page = doc.new_page()
            page.insert_textbox(pymupdf.Rect(72, 72, 520, 760), f"{edition} edition. {text}",
                                fontsize=12)
    path = folder / "ferry-handbook.pdf"
    doc.save(path)
    doc.close()
    return path


def test_a_dominant_file_is_folded_and_more_from_it_searches_only_in_it(
        qtbot, make_window, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in TEXTS.items():
        (docs / name).write_text(text, encoding="utf-8")
    handbook = _handbook(docs)
    window = make_window()
    drop_and_index(qtbot, window, [docs])
    search(qtbot, window, "taking a bicycle on the ferry")
    model = window.results_model
    results = [model.result(row) for row in range(model.rowCount())]
    paths = [r.path for r in results]
    assert paths[0] == str(handbook) and results[0].file_dominates
    handbook_rows = [row for row, p in enumerate(paths) if p == str(handbook)]
    assert len(handbook_rows) > 3, "a dominant file is not capped at three"
    assert handbook_rows == list(range(len(handbook_rows))), "its pages come together"
    assert all(model.index(row, 0).data(FollowerRole) for row in handbook_rows[1:])
    assert not model.index(0, 0).data(FollowerRole)
    assert all(r.group == 0 for r in results[:len(handbook_rows)])

    # the handbook holds more than the list shows: its first row links to the rest
    assert results[0].more_in_file > 0
    view = window.results_view
    delegate = view.itemDelegate()
    assert isinstance(delegate, ResultDelegate)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(model.index(0, 0))
    option.font = view.font()
    link = delegate._more_rect(option, model.index(0, 0), False)
    assert link is not None
    with qtbot.waitSignal(window.search.results_shown, timeout=20_000):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=link.center())
    assert window.filters.folder() == str(handbook)
    names = {Path(model.result(row).path).name for row in range(model.rowCount())}
    assert names == {"ferry-handbook.pdf"}
