"""Helpers for the window's tests (imported by conftest and the tests; no fixtures here).

Qt must already be told to run offscreen when this is imported: conftest.py does that.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

#: tests/data (its README.md says where each document comes from)
TEST_DATA = Path(__file__).resolve().parents[1] / "data"
NICS_PDF = TEST_DATA / "pdfs" / "real" / "nics-background-checks-2015-11.pdf"
ENCRYPTED_PDF = TEST_DATA / "pdfs" / "tricky" / "password-protected.pdf"

TEXTS = {
    "photosynthesis.txt": (
        "Photosynthesis is the process by which green plants, algae and some bacteria turn "
        "light energy into chemical energy. In the chloroplasts of a leaf, chlorophyll "
        "absorbs sunlight, and the plant uses that energy to combine carbon dioxide from the "
        "air with water drawn up from the roots. The result is glucose, a sugar the plant "
        "stores as starch or burns for growth, and oxygen, which it releases into the "
        "atmosphere.\n\nThe light-dependent reactions split water and produce ATP and NADPH; "
        "the Calvin cycle then fixes carbon into sugars. Almost every food chain on Earth "
        "begins with this conversion of sunlight into stored chemical energy."),
    "tax-law.txt": (
        "Federal income tax returns for individuals are due on April 15. A taxpayer who "
        "cannot file by the deadline may request an automatic six-month extension, but the "
        "extension applies to filing the return, not to paying the tax owed: interest and "
        "late-payment penalties accrue on any balance not paid by April 15.\n\n"
        "Deductions reduce taxable income, while credits reduce the tax itself. Married "
        "couples may file jointly or separately, and the standard deduction depends on "
        "filing status. Records supporting income, deductions and credits should be kept "
        "for at least three years after the return is filed, the period in which the "
        "revenue service can usually audit it."),
    "volcanoes.txt": (
        "A volcano is an opening in the Earth's crust through which molten rock, ash and "
        "gases escape. Magma forms deep underground where rock melts; being lighter than the "
        "solid rock around it, it rises and collects in magma chambers. When pressure from "
        "dissolved gases becomes too great, the magma forces its way to the surface and "
        "erupts as lava.\n\nExplosive eruptions, like that of Mount St. Helens in 1980, "
        "happen when thick, gas-rich magma traps pressure until it shatters into ash and "
        "pumice. Effusive eruptions, common in Hawaii, pour out runny basalt lava that "
        "builds broad shield volcanoes over thousands of years."),
}

# Filler for corpora that must take a few seconds to index (pause, cancel, close).
_FILLER_WORDS = (
    "timetable", "platform", "carriage", "signal", "junction", "freight", "locomotive",
    "station", "ticket", "conductor", "schedule", "depot", "coupling", "gauge", "viaduct",
    "siding", "timber", "furniture", "cabinet", "drawer", "veneer", "hinge", "varnish",
    "workshop", "chisel", "joinery", "walnut", "upholstery", "cushion", "armchair",
    "inventory", "warehouse", "shipment", "pallet", "invoice", "ledger", "quarterly",
    "receipt", "audit",
)


def write_filler_corpus(folder: Path, files: int = 150, words: int = 45) -> Path:
    """``files`` text files of about ``words`` words each, deterministic.

    Many small files rather than a few large ones: the core commits files in groups of at
    most 64 files or 16,384 tokens, so small files reach their first commit in seconds and
    the whole folder still takes several more.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    for i in range(files):
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < words:
            n = rng.randint(8, 16)
            sentences.append(" ".join(rng.choice(_FILLER_WORDS) for _ in range(n)).capitalize()
                             + ".")
        (folder / f"ledger-{i:03d}.txt").write_text(" ".join(sentences), encoding="utf-8")
    return folder


def drop_paths(window: QWidget, paths: list[Path]) -> None:
    """Drop ``paths`` on the window as a file manager would: drag enter, then drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    center = window.rect().center()
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        enter = QDragEnterEvent(QPointF(center), Qt.DropAction.CopyAction, mime, buttons,
                                modifiers)
    except TypeError:  # before Qt 6.12 there is only the (deprecated since) QPoint form
        enter = QDragEnterEvent(QPoint(center), Qt.DropAction.CopyAction, mime, buttons,
                                modifiers)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted(), "the window refused a drag of local files"
    drop = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted(), "the window refused a drop of local files"


def python_threads() -> list[threading.Thread]:
    """Live Python threads besides the main one. Qt's own threads that once ran Python
    code show up as dummy threads that never go away; they are not ours to join. Nor is
    pytest-timeout's timer, which watches each test from a thread of its own."""
    return [t for t in threading.enumerate()
            if t is not threading.main_thread() and type(t).__name__ != "_DummyThread"
            and not t.name.startswith("pytest_timeout ")]


def assert_stopped(window) -> None:
    """Closing the window left no worker thread, Python thread or timer running."""
    for thread in (window.sync_thread, window.reader_thread):
        assert not thread.isRunning()
        # A window never shown never started its threads; one shown must have joined them.
        assert thread.isFinished() or not window.workers_started
    active = [t.objectName() or repr(t) for t in window.findChildren(QTimer) if t.isActive()]
    assert active == [], f"timers still running after close: {active}"
    leftover = [f"{t.name} {type(t).__name__} {getattr(t, '_target', None)}"
                for t in python_threads()]
    assert leftover == [], f"threads still running after close: {leftover}"


def drop_and_index(qtbot, window, paths: list[Path], timeout: int = 60_000):
    """Drop ``paths`` on the window and wait until they are indexed; the SyncSummary."""
    with qtbot.waitSignal(window.indexing_finished, timeout=timeout) as blocker:
        drop_paths(window, paths)
    return blocker.args[0]


def search(qtbot, window, query: str, timeout: int = 20_000) -> list[str]:
    """Type ``query`` into the search box and wait for its results; their file names."""
    window.search_input.clear()
    with qtbot.waitSignal(window.search.results_shown, timeout=timeout,
                          check_params_cb=lambda q, n: q == query):
        qtbot.keyClicks(window.search_input, query)
    model = window.results_view.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]
