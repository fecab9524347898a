"""Hostile folders: pipes, devices, links out of the library and in loops, undecodable names,
a PDF that inflates to billions of drawing operators, UTF-16 without a BOM, a damaged PDF, a
watched folder renamed away and back, and a reader whose parent is killed. Every case ends:
the file is indexed or gets its own reason, and what was indexed before stays."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from desktop_app import extraction
from desktop_app.extract import text as text_family
from desktop_app.extract.mupdf import pymupdf
from desktop_app.library import Library
from desktop_app.scanning import os_path, shown, store_key
from desktop_app.searching import SearchOptions
from desktop_app.watching import FolderWatcher

POSIX = pytest.mark.skipif(os.name == "nt", reason="pipes, symbolic links and signals are POSIX")

GOOD = {
    "volcano.txt": "Volcanoes erupt when pressure from molten rock builds beneath the crust.",
    "tax.txt": "Income tax returns are due on the fifteenth of April each year.",
}
SECRET = "The vault combination is seven, nineteen, forty-two."


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def run_sync(lib: Library, only: object = None):
    events = list(lib.sync(only=only))
    outcomes = {e.outcome.path: e.outcome for e in events if e.outcome}
    return outcomes, events[-1].summary


def by_name(outcomes: dict) -> dict[str, tuple[str, str | None]]:
    return {Path(p).name: (o.status, o.reason) for p, o in outcomes.items()}


def drawing_bomb(path: Path, levels: int = 9) -> None:
    """A 2 KB PDF whose one page draws 1,000 lines through ``levels`` nested forms, each
    used ten times: 10^(levels+3) operators to interpret (levels=5 takes ~4 s here)."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "A visible line above a drawing that never ends.")
    form = None
    for _ in range(levels):
        xref = doc.get_new_xref()
        if form is None:
            body, resources = b"q 0 0 m 1 1 l S Q\n" * 1000, "<<>>"
        else:
            body, resources = b"/F Do\n" * 10, f"<</XObject <</F {form} 0 R>>>>"
        doc.update_object(xref, f"<</Type/XObject/Subtype/Form/BBox[0 0 10 10]"
                                f"/Resources {resources}>>")
        doc.update_stream(xref, body)
        form = xref
    kind, value = doc.xref_get_key(page.xref, "Resources")
    holder, key = (int(value.split()[0]), "XObject") if kind == "xref" else (page.xref,
                                                                             "Resources/XObject")
    doc.xref_set_key(holder, key, f"<</Top {form} 0 R>>")
    contents = page.get_contents()[0]
    doc.update_stream(contents, doc.xref_stream(contents) + b"\nq /Top Do Q\n")
    doc.save(path, deflate=True)


def scan_like_pdf() -> bytes:
    """One page: a full-page image and a date, like a scanner's output."""
    doc = pymupdf.open()
    page = doc.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
    pix.clear_with(200)
    page.insert_image(page.rect, pixmap=pix)
    page.insert_text((72, 72), "2021 3 31")
    return doc.tobytes(deflate=True)


def make_hostile(root: Path) -> Path:
    docs = root / "docs"
    write(root / "secret", {"secret.txt": SECRET})
    os.mkfifo(docs / "pipe.txt")
    os.symlink("/dev/zero", docs / "zero.txt")
    os.symlink("../secret/secret.txt", docs / "outside.txt")
    os.symlink(root / "secret", docs / "outside-folder")
    os.symlink("volcano.txt", docs / "inside-link.txt")
    os.symlink("loop.txt", docs / "loop.txt")
    os.symlink("ping.md", docs / "pong.md")
    os.symlink("pong.md", docs / "ping.md")
    raw = os.fsencode(docs)
    with open(raw + b"/harbor-\xff\xfe.txt", "wb") as fh:
        fh.write(b"The harbor pilot guides container ships past the breakwater at dawn.")
    with open(raw + "/café-menu.txt".encode("latin-1"), "wb") as fh:
        fh.write(b"Croissants and espresso are served on the terrace until noon.")
    (docs / "wide.txt").write_bytes(
        "Glaciers carve U-shaped valleys as they grind slowly downhill.".encode("utf-16-le"))
    scan = scan_like_pdf()
    (docs / "scan.pdf").write_bytes(scan)
    (docs / "damaged.pdf").write_bytes(scan[: scan.rfind(b"xref")])
    return docs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    """A library that indexed two good files, then met the hostile entries beside them."""
    if os.name == "nt":
        pytest.skip("pipes and symbolic links are POSIX")
    root = tmp_path_factory.mktemp("hostile")
    docs = write(root / "docs", GOOD)
    lib = Library(root / "data")
    lib.add([docs])
    run_sync(lib)
    make_hostile(root)
    outcomes, summary = run_sync(lib)
    yield lib, docs, outcomes, summary
    lib.close()


@POSIX
def test_pipes_devices_and_links_out_of_the_library_are_refused_by_reason(hostile):
    lib, _, outcomes, summary = hostile
    seen = by_name(outcomes)
    assert seen["pipe.txt"] == ("skipped", "not a regular file (a named pipe)")
    assert seen["zero.txt"] == ("skipped", "link points outside the library's folders")
    assert seen["outside.txt"] == ("skipped", "link points outside the library's folders")
    assert not lib.search("vault combination", SearchOptions(k=5, mode="keyword"))
    assert all("secret" not in Path(r.path).parts for r in lib.search("vault combination"))
    assert ("link points outside the library's folders", 1) in summary.ignored  # the folder
    assert seen["inside-link.txt"][0] in ("indexed", "copied")


@POSIX
def test_symbolic_link_loops_are_problems_in_status(hostile):
    lib, _, _, _ = hostile
    problems = {Path(p).name: (s, r) for p, s, r in lib.status().problems}
    for name in ("loop.txt", "ping.md", "pong.md"):
        assert problems[name] == ("failed", "symbolic link loop")
    assert problems["pipe.txt"] == ("skipped", "not a regular file (a named pipe)")


@POSIX
def test_names_that_are_not_utf8_are_indexed_and_found(hostile):
    lib, docs, _, _ = hostile
    [hit] = lib.search("harbor pilot guides container ships", SearchOptions(k=1))
    assert hit.text.startswith("The harbor pilot")
    # the key opens the very file the OS named with those bytes, and reads as a person would
    assert os.fsencode(os_path(hit.path)) == os.fsencode(docs) + b"/harbor-\xff\xfe.txt"
    assert shown(hit.path).endswith("harbor-\ufffd\ufffd.txt")
    [menu] = lib.search("croissants and espresso on the terrace", SearchOptions(k=1))
    assert os.path.exists(os_path(menu.path)) and shown(menu.path).endswith("caf\ufffd-menu.txt")
    assert store_key(os_path(menu.path)) == menu.path


@POSIX
def test_utf16_without_a_bom_is_read_as_text(hostile):
    lib, _, outcomes, _ = hostile
    assert by_name(outcomes)["wide.txt"] == ("indexed", None)
    [hit] = lib.search("glaciers carve valleys", SearchOptions(k=1))
    assert Path(hit.path).name == "wide.txt" and "U-shaped valleys" in hit.text


@POSIX
def test_a_damaged_pdf_is_told_apart_from_a_scan(hostile):
    _, _, outcomes, _ = hostile
    seen = by_name(outcomes)
    assert seen["scan.pdf"] == ("skipped", "no text layer, and OCR found no text")
    assert seen["damaged.pdf"] == ("failed", "damaged PDF: little or no readable text")


@POSIX
def test_what_was_indexed_before_stays(hostile):
    lib, _, _, summary = hostile
    assert summary.removed == 0 and not summary.cancelled
    for text in GOOD.values():
        [hit] = lib.search(text, SearchOptions(k=1))
        assert hit.text == text


@POSIX
def test_the_cli_indexes_a_hostile_folder_without_a_traceback(tmp_path):
    docs = write(tmp_path / "docs", GOOD)
    make_hostile(tmp_path)
    command = [sys.executable, "-m", "desktop_app", "--data-dir", str(tmp_path / "data")]
    done = subprocess.run([*command, "index", str(docs)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    status = subprocess.run([*command, "status", "--json"], capture_output=True, text=True,
                            timeout=60)
    assert status.returncode == 0, status.stderr
    problems = {Path(p["path"]).name: p["reason"] for p in json.loads(status.stdout)["problems"]}
    assert problems["outside.txt"] == "link points outside the library's folders"
    assert problems["loop.txt"] == "symbolic link loop"


def _as_ordinary_user(code: str, cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """Run Python ``code`` as this user, or, when we are root (root reads every folder),
    as root without the capabilities that override file permissions; None when neither can
    be done here."""
    run = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")  # util-linux
        if setpriv is None:
            return None
        run = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *run]
    return subprocess.run(run, capture_output=True, text=True, timeout=60, cwd=cwd)


@POSIX
def test_an_unreadable_folder_is_a_problem_and_its_files_stay(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        docs = write(base / "docs", {"open.txt": "readable"})
        write(docs / "locked", {"diary.txt": "private"})
        (docs / "locked").chmod(0)
        code = textwrap.dedent(f"""
            import json
            from desktop_app.scanning import scan
            found = scan([{str(docs)!r}])
            print(json.dumps({{k: v.verdict for k, v in found.files.items()}}))
        """)
        done = _as_ordinary_user(code, base)
        if done is None:
            pytest.skip("root reads every folder, and setpriv is not here to drop that power")
        assert done.returncode == 0, done.stderr
        verdicts = json.loads(done.stdout)
        assert verdicts[str(docs / "locked")] == ["failed",
                                                  "folder cannot be read (Permission denied)"]
        assert verdicts[str(docs / "open.txt")] is None
    finally:
        (base / "docs" / "locked").chmod(0o700)
        shutil.rmtree(base)


def test_a_decompression_bomb_pdf_is_stopped_even_in_a_small_sync(tmp_path, monkeypatch):
    # A small sync used to read on a thread, with no timeout at all.
    monkeypatch.setattr(extraction, "READ_TIMEOUT_S", 2.0)
    docs = write(tmp_path / "docs", GOOD)
    drawing_bomb(docs / "bomb.pdf")
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        outcomes, summary = run_sync(lib)
    seen = by_name(outcomes)
    assert seen["bomb.pdf"] == ("failed",
                                "reading this file took longer than 2 s; it was stopped")
    assert summary.indexed == 2


def test_text_past_the_indexed_amount_is_cut_with_a_reason(tmp_path):
    big = tmp_path / "huge.log"
    line = b"2024-05-01 12:00:00 worker 7 finished job with status ok\n"
    with big.open("wb") as fh:
        for _ in range(70 * 1024 * 1024 // len(line)):  # 70 MB: over the old 64 MB limit
            fh.write(line)
    [page] = text_family.extract(big)
    assert page.note == "only its first 8 MB of text were indexed"
    assert len(page.text) <= text_family.MAX_TEXT_BYTES
    assert page.text.endswith("status ok")


def test_a_cut_text_file_says_so_in_its_outcome(tmp_path, monkeypatch):
    monkeypatch.setattr(text_family, "MAX_TEXT_BYTES", 4096)
    docs = write(tmp_path / "docs", {"long.txt": "Tide tables list high and low water.\n" * 400})
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        outcomes, _ = run_sync(lib)
    assert by_name(outcomes)["long.txt"] == ("indexed", "only its first 4 KB of text were indexed")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


def _exits_within(pid: int, seconds: float) -> bool:
    """Wait for process ``pid`` (not our child) to end: a pidfd becomes readable when it
    does, so nothing polls."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        waiter = select.poll()
        waiter.register(fd, select.POLLIN)
        return bool(waiter.poll(int(seconds * 1000)))
    finally:
        os.close(fd)


def _parent_of_a_busy_reader(bomb: Path, tokenizer: Path, guard: str) -> str:
    """A program that starts a reader on ``bomb`` (busy for hours), prints the reader's pid
    and waits. ``guard``: "reader" is the app's own extraction child; "forked" a bare child
    guarded only by the forked watchdog (what macOS and the BSDs get)."""
    if guard == "reader":
        return textwrap.dedent(f"""
            import os, threading
            from desktop_app.extraction import ReaderProcess, ReadJob
            st = os.stat({str(bomb)!r})
            reader = ReaderProcess()
            reader.submit(ReadJob({str(bomb)!r}, st.st_size, st.st_mtime_ns, {str(tokenizer)!r},
                                  256))
            print(reader._proc.pid, flush=True)
            threading.Event().wait()
        """)
    child = ("import sys; from pathlib import Path; from desktop_app import child_guard; "
             "child_guard.watch_from_outside(); from desktop_app.extract import extract; "
             f"extract(Path({str(bomb)!r}))")
    return textwrap.dedent(f"""
        import subprocess, sys, threading
        proc = subprocess.Popen([sys.executable, "-c", {child!r}], stdin=subprocess.PIPE)
        print(proc.pid, flush=True)
        threading.Event().wait()
    """)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("guard", ["reader", "forked"])
def test_a_busy_reader_dies_with_its_parent(tmp_path, encoder, guard):
    drawing_bomb(tmp_path / "bomb.pdf")
    program = _parent_of_a_busy_reader(tmp_path / "bomb.pdf", encoder.tokenizer_path, guard)
    proc = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    try:
        child = int(proc.stdout.readline())
        assert _alive(child)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    if not _exits_within(child, 10.0) and _alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the reader outlived its parent")


def test_watch_loses_nothing_when_a_folder_is_renamed_away_and_back(tmp_path):
    docs = write(tmp_path / "docs", GOOD)
    away = tmp_path / "docs-away"
    notices: list[str] = []
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        run_sync(lib)
        watcher = FolderWatcher(lib.roots(), quiet_seconds=0.1, root_check_seconds=0.05,
                                on_notice=notices.append).start()
        removed = 0

        def feed_until(condition) -> None:
            nonlocal removed
            deadline = time.monotonic() + 15
            while not condition():
                assert time.monotonic() < deadline, f"watch never got there: {notices}"
                batch = watcher.wait(timeout=0.5)
                if batch:
                    removed += run_sync(lib, only=batch)[1].removed

        try:
            docs.rename(away)
            (away / "tax.txt").write_text("Tax returns are due in April; extensions exist.")
            (away / "tides.txt").write_text("Spring tides follow the new and the full moon.")
            feed_until(lambda: any("is gone" in n for n in notices))
            assert removed == 0
            away.rename(docs)
            feed_until(lambda: any("is back" in n for n in notices)
                       and lib.store.files().get(str(docs / "tides.txt")) is not None)
        finally:
            watcher.stop()
        assert removed == 0
        files = lib.store.files()
        assert {Path(p).name for p, r in files.items() if r.status == "indexed"} == {
            "volcano.txt", "tax.txt", "tides.txt"}
        [hit] = lib.search("extensions for tax returns", SearchOptions(k=1))
        assert "extensions exist" in hit.text


def test_a_folder_that_is_gone_keeps_its_files_until_it_returns(tmp_path):
    docs = write(tmp_path / "drive" / "docs", {"a.txt": "alpine lakes freeze in winter",
                                               "b.txt": "desert dunes shift with the wind"})
    single = write(tmp_path / "loose", {"c.txt": "harbour cranes unload containers"})
    lib = Library(tmp_path / "data")
    try:
        lib.add([docs, single / "c.txt"])
        run_sync(lib)
        (tmp_path / "drive").rename(tmp_path / "unmounted")  # the drive is not mounted now
        (single / "c.txt").unlink()  # a file added on its own and deleted is gone
        outcomes, summary = run_sync(lib)
        assert set(summary.missing_roots) == {str(docs), str(single / "c.txt")}
        assert by_name(outcomes) == {"c.txt": ("removed", None)}
        assert lib.status().counts["indexed"] == 2
        [top] = lib.search("sand in the desert", SearchOptions(k=1))
        assert Path(top.path).name == "b.txt"
        (tmp_path / "unmounted").rename(tmp_path / "drive")
        outcomes, summary = run_sync(lib)
        assert outcomes == {}, "back, and nothing read again"
        assert summary.missing_roots == (str(single / "c.txt"),)
    finally:
        lib.close()
