"""A full disk: a message naming the folder and what to do (exit code 3), no temp files left,
and searching goes on while the disk stays full. On a real, tiny filesystem (tmpfs)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.library import DiskFullError, Library
from desktop_app.searching import SearchOptions

DOCS = {
    "volcanoes.txt": "Volcanoes erupt when magma rises through the crust; lava flows downhill.",
    "taxes.md": "# Taxes\n\nIncome tax returns are due in April. Late filing brings penalties.",
    "birds.txt": "Birds migrate south in autumn to find food and warmer weather.",
}


@pytest.fixture
def tiny_disk(tmp_path):
    """mount(size) mounts a tmpfs of that size and returns its folder; unmounted after."""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small filesystem needs root and mount(8)")
    point = tmp_path / "disk"
    point.mkdir()

    def mount(size: str) -> Path:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755",
                               "tmpfs", str(point)], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
        return point

    yield mount
    if os.path.ismount(point):
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=60)


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; returns it (delete it to free the space)."""
    filler = disk / "filler"
    block = b"\0" * (64 << 10)
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    # what is left below one block
    with open(filler, "ab", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 512)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def write_docs(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def cli(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=600)


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith(".unpack-"))


def test_unpacking_the_model_onto_a_full_disk_says_so_and_leaves_nothing(tmp_path,
                                                                         tiny_disk):
    disk = tiny_disk("2m")  # the bundled model needs ~23 MB
    docs = write_docs(tmp_path / "docs")
    data = disk / "data"
    run = cli(data, "index", str(docs))
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    assert f"the disk holding {data / 'models'} is full: free some space, then run again" \
        in run.stderr
    assert leftovers(disk) == []
    assert not (data / "models" / "all-MiniLM-L6-v2-int8").exists()


def test_a_full_disk_stops_indexing_with_a_message_while_search_and_status_go_on(
        tmp_path, tiny_disk):
    disk = tiny_disk("48m")
    docs = write_docs(tmp_path / "docs")
    data = disk / "data"
    assert cli(data, "index", str(docs)).returncode == 0
    filler = fill(disk)
    # the graph file is gone: opening rebuilds it from SQLite, and cannot save it
    (data / "vectors.hnsw").unlink()

    found = cli(data, "search", "lava flows", "-k", "1")
    assert found.returncode == 0, found.stderr
    assert "volcanoes.txt" in found.stdout and "Traceback" not in found.stderr
    status = cli(data, "status")
    assert status.returncode == 0, status.stderr
    assert "3 indexed" in status.stdout
    assert leftovers(data) == []

    (docs / "new.txt").write_text("A new note about glaciers carving fjords.\n" * 40)
    run = cli(data, "index")
    assert run.returncode == 3
    assert "Traceback" not in run.stderr
    assert f"the disk holding {data} is full: free some space, then run again" in run.stderr
    assert leftovers(data) == []

    filler.unlink()  # room again: the same command finishes the work
    again = cli(data, "index")
    assert again.returncode == 0, again.stderr
    assert cli(data, "search", "glaciers fjords", "-k", "1").stdout.count("new.txt") == 1


def test_saving_the_graph_on_a_full_disk_keeps_the_saved_one_and_no_temp_file(
        tmp_path, tiny_disk, model_dir):
    disk = tiny_disk("8m")
    docs = write_docs(tmp_path / "docs")
    data = disk / "data"
    with Library(data, models_root=model_dir.parent) as lib:
        lib.add([docs])
        list(lib.sync())
        lib.save_graph()
        saved = (data / "vectors.hnsw").read_bytes()
        filler = fill(disk)
        taxes = next(r for p, r in lib.store.files().items() if p.endswith("taxes.md"))
        lib.graph.remove(lib.store.chunk_ids_of([taxes.id]))  # a change worth saving
        with pytest.raises(DiskFullError, match=f"the disk holding {data} is full"):
            lib.save_graph()
        assert leftovers(data) == []
        assert (data / "vectors.hnsw").read_bytes() == saved
        # searching is not affected
        assert lib.search("birds migrate", SearchOptions(k=1))[0].path.endswith("birds.txt")
        filler.unlink()
        lib.save_graph()
        assert (data / "vectors.hnsw").read_bytes() != saved
