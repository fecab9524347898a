"""Indexing in two steps: a file is searchable by its words as soon as it is read, and by
meaning once the model reaches it. What waits for its vectors is marked, survives a stop
between the steps, and is never read twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import syncing
from desktop_app.events import SyncControl
from desktop_app.library import Library
from desktop_app.searching import SearchOptions

DOCS = {
    "tides.txt": "The harbour master logs the spring tides in a ledger kept by the crane.",
    "bees.txt": "Honeybees dance in figure eights to tell the hive where the flowers are.",
    "bread.txt": "Knead the dough for ten minutes, then let it rise in a warm kitchen.",
}


def read_only_words(lib: Library) -> list:
    """Sync, stopping as soon as step 2 (meaning) begins: step 1 is committed."""
    control = SyncControl()
    events = []
    for event in lib.sync(control):
        events.append(event)
        if event.phase == "embedding":
            control.cancel()
    return events


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text)
    return folder


def test_a_file_read_but_not_yet_embedded_is_found_by_its_words_and_marked(tmp_path, docs):
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        events = read_only_words(lib)
        assert events[-1].phase == "cancelled"
        assert sum(1 for e in events if e.outcome and e.outcome.status == "indexed") == 3
        assert lib.meaning_pending() == 3 and lib.status().meaning_pending == 3
        [hit] = lib.search('"spring tides"', SearchOptions(k=1))
        assert Path(hit.path).name == "tides.txt" and hit.meaning_pending
        assert hit.to_json()["meaning_pending"] is True
        # the default (hybrid) search finds it by its words, ranked among the rest
        assert Path(lib.search("harbour master ledger", SearchOptions(k=1))[0].path).name \
            == "tides.txt"
        # meaning alone cannot see it yet
        assert lib.search("where do the bees find nectar", SearchOptions(mode="vector")) == []


def test_the_next_sync_gives_them_their_vectors_without_reading_them_again(
        tmp_path, docs, monkeypatch):
    reads: list[str] = []
    real_read = syncing.read_file

    def counted(job, *args):
        reads.append(Path(job.path).name)
        return real_read(job, *args)

    monkeypatch.setattr(syncing, "read_file", counted)
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        read_only_words(lib)
        assert sorted(reads) == sorted(DOCS)
        events = list(lib.sync())
        summary = events[-1].summary
        assert summary.indexed == 0 and summary.unchanged == 3
        assert sorted(reads) == sorted(DOCS), "no file is read twice"
        assert {e.phase for e in events} >= {"embedding", "done"}
        assert lib.meaning_pending() == 0
        hit = lib.search("where do the bees find nectar", SearchOptions(k=1, mode="vector"))[0]
        assert Path(hit.path).name == "bees.txt" and not hit.meaning_pending


def test_the_command_line_says_what_meaning_cannot_see_yet(tmp_path, docs):
    data = tmp_path / "data"
    with Library(data) as lib:
        lib.add([docs])
        read_only_words(lib)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktop_app", *args, "--data-dir",
                               str(data)], capture_output=True, text=True, timeout=300)

    vector = cli("search", "--mode", "vector", "bees and flowers")
    assert vector.returncode == 0
    assert vector.stdout.startswith("note: 3 files not searchable by meaning yet")
    found = json.loads(cli("search", "spring tides", "--json").stdout)
    assert found[0]["meaning_pending"] is True
    status = cli("status")
    assert "3 files searchable by words, by meaning once indexing reaches them" in status.stdout
    report = json.loads(cli("status", "--json").stdout)
    assert report["meaning_pending"] == 3
    assert report["by_folder"][str(docs.resolve())] == {
        "indexed": 3, "skipped": 0, "failed": 0, "meaning_pending": 3}


def test_files_read_in_this_sync_get_their_meaning_before_what_an_earlier_one_left(tmp_path,
                                                                                   docs):
    later = tmp_path / "later"
    later.mkdir()
    (later / "kites.txt").write_text("Fly the kite on a windy beach, keeping the line taut.")
    (later / "maps.txt").write_text("Old sea charts mark the shoals with tiny crosses.")
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        read_only_words(lib)  # a long sync stopped in its second step: three files wait
        lib.add([later])  # the folder a person adds now
        order = []
        for event in lib.sync():
            if event.phase == "embedding" and event.current and event.files_done:
                name = Path(event.current).name
                if name not in order:
                    order.append(name)
        assert set(order[:2]) == {"kites.txt", "maps.txt"}
        assert set(order[2:]) == set(DOCS)
