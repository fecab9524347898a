"""A damaged database: found (after a crash on open; by status and index; wherever SQLite
trips on it), told as a message naming the way out, and rebuilt from the files on disk with
the damaged copy kept aside."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.library import DamagedLibraryError, Library
from desktop_app.searching import SearchOptions

WORDS = ("amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "iris",
         "jasper", "kelp", "lagoon", "meadow", "nectar", "orchid", "prairie")


def write_corpus(folder: Path, files: int = 24) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        lead = f"Report {i}: the {WORDS[i % len(WORDS)]} survey found deposits near marker {i}."
        filler = " ".join(f"Site {i} entry {j} notes {WORDS[(i + j) % len(WORDS)]}."
                          for j in range(120))
        (folder / f"report-{i:02d}.txt").write_text(lead + "\n\n" + filler)
    (folder / "volcanoes.txt").write_text(
        "Volcanoes erupt when magma rises through the crust; lava flows downhill.")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, model_dir) -> tuple[Path, Path]:
    """(docs, a cleanly closed library of them), built once; tests copy the library."""
    base = tmp_path_factory.mktemp("damage")
    docs = write_corpus(base / "docs")
    data = base / "data"
    with Library(data, models_root=model_dir.parent) as lib:
        lib.add([docs])
        list(lib.sync())
    return docs, data


def copy_library(source: Path, target: Path, model_dir: Path) -> Path:
    target.mkdir()
    for entry in source.iterdir():
        if entry.is_file():
            (target / entry.name).write_bytes(entry.read_bytes())
    # the bundled model is shared, not copied (models_root is the data folder's models/)
    (target / "models").symlink_to(model_dir.parent, target_is_directory=True)
    return target


def flip(db: Path, offset: int, length: int = 4096) -> None:
    """Invert ``length`` bytes at ``offset`` in place (what a failing disk might do)."""
    with open(db, "r+b") as fh:
        fh.seek(offset)
        data = fh.read(length)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in data))


def flip_middle(db: Path) -> None:
    size = db.stat().st_size
    page = 4096
    assert size >= 8 * page
    flip(db, (size // 2) // page * page, page)


def flip_table_root(db: Path, table: str) -> None:
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (table,)).fetchone()[0]
    conn.close()
    flip(db, (root - 1) * page_size, page_size)


def cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=600)


def assert_damage_message(run: subprocess.CompletedProcess, data: Path) -> None:
    assert run.returncode == 3, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("desktop-app:")]
    assert len(lines) == 1, run.stderr
    assert f"the library database {data / 'library.sqlite3'} is damaged" in lines[0]
    assert f"'desktop-app index --rebuild --data-dir {data}'" in lines[0]


def test_status_and_index_report_a_damaged_database_with_the_way_to_rebuild(
        tmp_path, built, model_dir):
    _, clean = built
    data = copy_library(clean, tmp_path / "data", model_dir)
    flip_middle(data / "library.sqlite3")
    assert_damage_message(cli(data, "status"), data)
    assert_damage_message(cli(data, "index"), data)
    # a search may not touch the damaged page; if it does, it says so the same way
    found = cli(data, "search", "lava flows", "-k", "1")
    assert "Traceback" not in found.stderr
    if found.returncode != 0:
        assert_damage_message(found, data)


def test_a_search_that_reads_a_damaged_table_gives_the_message(tmp_path, built, model_dir):
    _, clean = built
    data = copy_library(clean, tmp_path / "data", model_dir)
    flip_table_root(data / "library.sqlite3", "chunks")
    assert_damage_message(cli(data, "search", "lava flows", "-k", "1"), data)


def test_rebuild_keeps_the_damaged_copy_aside_and_indexes_the_folders_again(
        tmp_path, built, model_dir):
    docs, clean = built
    data = copy_library(clean, tmp_path / "data", model_dir)
    with Library(data) as lib:
        lib.set_exclude_patterns(["report-0*.txt"])
    flip_middle(data / "library.sqlite3")
    damaged = (data / "library.sqlite3").read_bytes()

    run = cli(data, "index", "--rebuild")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    aside = sorted(data.glob("library.damaged-*.sqlite3"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged
    assert f"moved to {aside[0]}" in run.stderr

    with Library(data) as lib:
        lib.check_database()
        # the folders and settings came over; what the patterns leave out stayed out
        assert lib.roots() == [str(docs.resolve())]
        assert lib.exclude_patterns == ["report-0*.txt"]
        indexed = {Path(p).name for p, r in lib.store.files().items() if r.status == "indexed"}
        assert "volcanoes.txt" in indexed and "report-12.txt" in indexed
        assert not any(name.startswith("report-0") for name in indexed)
        [top] = lib.search("lava flows downhill", SearchOptions(k=1))
        assert top.path.endswith("volcanoes.txt")
    assert cli(data, "status").returncode == 0


def test_rebuild_through_the_library_when_not_even_the_folders_can_be_read(
        tmp_path, built, model_dir):
    _, clean = built
    data = copy_library(clean, tmp_path / "data", model_dir)
    (data / "library.sqlite3").write_bytes(b"this is no database at all" * 500)
    with pytest.raises(DamagedLibraryError, match="is damaged"):
        Library(data)
    lib, notes = Library.rebuild(data)
    with lib:
        assert lib.roots() == [] and lib.profile.model_id == "all-MiniLM-L6-v2-int8"
    assert any("add them again with 'desktop-app index FOLDER'" in n for n in notes)
    assert len(list(data.glob("library.damaged-*.sqlite3"))) == 1


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_a_crash_while_writing_makes_the_next_open_check_the_database(
        tmp_path, built, model_dir):
    _, clean = built
    # after a clean close, opening does not read the whole file ...
    calm = copy_library(clean, tmp_path / "calm", model_dir)
    flip_middle(calm / "library.sqlite3")
    with Library(calm) as lib, pytest.raises(DamagedLibraryError):
        lib.status()  # ... status does

    # ... after a writer died, it does
    data = copy_library(clean, tmp_path / "data", model_dir)
    with subprocess.Popen(
            [sys.executable, "-c",
             "import sys; from desktop_app.library import Library; "
             "lib = Library(sys.argv[1]); lib.claim_write(); print('holding', flush=True); "
             "sys.stdin.read()", str(data)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as writer:
        try:
            assert writer.stdout.readline().strip() == "holding"
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
    flip_middle(data / "library.sqlite3")
    with pytest.raises(DamagedLibraryError, match="index --rebuild"):
        Library(data)
