"""A damaged library opened in the window: the user is offered a rebuild from the files on
disk, and the window opens on the rebuilt library with the same folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_damage import flip_table_root, write_corpus

from desktop_app.failures import DamagedLibraryError
from desktop_app.gui import create_main_window
from desktop_app.gui.launch import open_window
from desktop_app.library import Library


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, Path]:
    docs = write_corpus(tmp_path / "docs", files=3)
    data = tmp_path / "data"
    with Library(data) as lib:
        lib.add([docs])
        list(lib.sync())
    flip_table_root(data / "library.sqlite3", "meta")
    return docs, data


def test_a_damaged_library_is_rebuilt_when_the_user_agrees(qtbot, damaged):
    docs, data = damaged
    asked: list[str] = []

    def agree(problem: str) -> bool:
        asked.append(problem)
        return True

    window, notes = open_window(data, create_main_window, ask=agree)
    try:
        assert asked and "damaged" in asked[0]
        assert any("moved to" in note for note in notes)
        assert list(data.glob("library.damaged-*.sqlite3")), "the damaged copy is kept aside"
        assert window.library.roots() == [str(docs.resolve())]
        with qtbot.waitSignal(window.indexing_finished, timeout=120_000) as done:
            window.show()
            window.request_sync()
        assert done.args[0].indexed == 4
    finally:
        window.close()


def test_a_declined_rebuild_leaves_the_library_as_it_was(qtbot, damaged):
    _, data = damaged
    before = (data / "library.sqlite3").read_bytes()
    with pytest.raises(DamagedLibraryError):
        open_window(data, create_main_window, ask=lambda problem: False)
    assert (data / "library.sqlite3").read_bytes() == before
    assert not list(data.glob("library.damaged-*"))
