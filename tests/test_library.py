"""The Library end to end: real files in temporary folders, the real bundled model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from desktop_app.events import SyncControl
from desktop_app.library import Library, LibraryError
from desktop_app.searching import SearchOptions

DOCS = {
    "volcano.txt": "Volcanoes erupt when pressure from molten rock and gas builds beneath the "
                   "crust. Lava flows, ash clouds and pyroclastic surges follow an eruption.",
    "tax.md": "# Filing taxes\n\nIndividual income tax returns are due on the fifteenth of "
              "April. Late filing incurs penalties and interest on the unpaid balance.",
    "plants.txt": "Photosynthesis lets plants turn sunlight, water and carbon dioxide into "
                  "glucose and oxygen inside their chloroplasts.",
}


def write_docs(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sync(lib: Library, control: SyncControl | None = None):
    events = list(lib.sync(control))
    return events, events[-1].summary


def top_path(lib: Library, query: str) -> str:
    return Path(lib.search(query, SearchOptions(k=1))[0].path).name


@pytest.fixture(scope="module")
def pdf_library(tmp_path_factory, test_data):
    """tests/data's real and tricky PDFs (a copy), indexed once for the module."""
    pdfs = tmp_path_factory.mktemp("pdfs")
    shutil.copytree(test_data / "pdfs", pdfs, dirs_exist_ok=True)
    lib = Library(tmp_path_factory.mktemp("pdf-lib"))
    lib.add([pdfs])
    events, summary = sync(lib)
    yield lib, events, summary
    lib.close()


@pytest.mark.slow
def test_indexing_real_pdfs_finds_a_passage_from_a_paraphrase(pdf_library):
    lib, _, summary = pdf_library
    assert summary.indexed == 8 and summary.chunks > 50  # the scan too, by OCR
    hits = lib.search("Where can I fax my comments on the proposed airworthiness directive?",
                      SearchOptions(k=3))
    assert Path(hits[0].path).name == "federal-register-2020-17221.pdf"
    assert 1 in [h.page for h in hits], "the page with the fax number is among the first three"
    [hit] = lib.search("what is the deadline for sending comments about this rule",
                       SearchOptions(k=1))
    assert Path(hit.path).name == "federal-register-2020-17221.pdf" and hit.page == 1
    hits = lib.search("learning embeddings of whole scientific papers from which papers cite "
                      "each other", SearchOptions(k=3))
    assert Path(hits[0].path).name == "acl-2020-main-207.pdf"
    assert any("SPECTER" in h.text for h in hits)


@pytest.mark.slow
def test_each_tricky_pdf_gets_a_status_and_a_specific_reason(pdf_library):
    lib, events, summary = pdf_library
    outcomes = {Path(e.outcome.path).name: e.outcome for e in events if e.outcome}
    assert outcomes["password-protected.pdf"].status == "skipped"
    assert "encrypted" in outcomes["password-protected.pdf"].reason
    assert outcomes["scanned-no-text-layer-rotated.pdf"].status == "indexed"  # by OCR
    assert outcomes["right-to-left-01.pdf"].status == "indexed"
    assert outcomes["duplicate-chars.pdf"].status == "indexed"
    problems = {Path(p).name: (s, r) for p, s, r in lib.status().problems}
    assert problems["password-protected.pdf"] == ("skipped", "encrypted (password required)")
    assert summary.skipped == 1 and summary.failed == 1  # malformed.pdf: damaged


@pytest.mark.slow
def test_results_carry_page_and_offsets_into_that_pages_text(pdf_library):
    import pymupdf

    from desktop_app.extract import extract

    lib, _, _ = pdf_library
    for hit in lib.search("firearm background checks by state", SearchOptions(k=5)):
        pages = {p.number: p.text for p in extract(Path(hit.path))}
        assert pages[hit.page][hit.char_start:hit.char_end] == hit.text
        assert 1 <= hit.page <= pymupdf.open(hit.path).page_count


def test_a_second_sync_of_an_unchanged_folder_embeds_nothing(tmp_path):
    with Library(tmp_path / "data") as lib:
        lib.add([write_docs(tmp_path / "docs")])
        _, first = sync(lib)
        tokens = lib.encoder.stats.tokens_encoded
        _, second = sync(lib)
        assert first.indexed == 3 and second.indexed == 0 and second.unchanged == 3
        assert lib.encoder.stats.tokens_encoded == tokens


def test_a_sync_frees_the_document_sessions_memory_when_it_ends(tmp_path):
    with Library(tmp_path / "data") as lib:
        lib.add([write_docs(tmp_path / "docs")])
        lib.encoder.embed_query("loaded before the sync")
        _, summary = sync(lib)
        assert summary.indexed == 3
        assert lib.encoder.separate_sessions and lib.encoder._document_session is None
        assert lib.search("how do plants make food")  # queries have their own session


def test_a_changed_file_is_re_embedded_and_a_deleted_one_leaves_the_results(tmp_path):
    docs = write_docs(tmp_path / "docs")
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        sync(lib)
        assert top_path(lib, "when is my income tax return due") == "tax.md"
        (docs / "tax.md").write_text("Migratory birds fly south in autumn to find food.")
        (docs / "volcano.txt").unlink()
        _, summary = sync(lib)
        assert summary.indexed == 1 and summary.removed == 1
        assert top_path(lib, "why do birds fly south for the winter") == "tax.md"
        paths = {Path(h.path).name for h in lib.search("lava eruption", SearchOptions(k=10))}
        assert "volcano.txt" not in paths
        assert lib.status().counts["indexed"] == 2


def test_a_moved_or_copied_file_keeps_its_vectors_without_a_model_call(tmp_path, monkeypatch):
    docs = write_docs(tmp_path / "docs")
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        sync(lib)
        (docs / "sub").mkdir()
        os.replace(docs / "plants.txt", docs / "sub" / "renamed.txt")
        shutil.copy(docs / "tax.md", docs / "tax-copy.md")

        def no_model(*args, **kwargs):
            raise AssertionError("the model was invoked")

        monkeypatch.setattr(lib.encoder, "run", no_model)
        _, summary = sync(lib)
        assert summary.moved == 1 and summary.copied == 1 and summary.indexed == 0
        monkeypatch.undo()
        hits = lib.search("how plants make glucose from sunlight", SearchOptions(k=1))
        assert Path(hits[0].path).name == "renamed.txt"
        assert lib.status().counts == {"indexed": 4, "skipped": 0, "failed": 0, "chunks": 4}


def test_removing_a_folder_leaves_no_rows_and_a_removed_subfolder_stays_out(tmp_path):
    docs = write_docs(tmp_path / "docs")
    write_docs(docs / "old", {"notes.txt": "Minutes of the gardening club meeting."})
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        sync(lib)
        assert lib.remove(docs / "old") == 1
        sync(lib)
        hits = lib.search("gardening club", SearchOptions(k=10))
        assert all("old" not in Path(h.path).parts for h in hits)
        assert lib.remove(docs) == 3
        assert lib.status().counts == {"indexed": 0, "skipped": 0, "failed": 0, "chunks": 0}
        assert lib.search("volcano", SearchOptions(k=5)) == [] and lib.roots() == []
        with pytest.raises(LibraryError, match="not in the library"):
            lib.remove(tmp_path / "elsewhere")


def test_bad_files_get_reasons_and_the_rest_of_the_folder_is_indexed(tmp_path):
    docs = write_docs(tmp_path / "docs")
    (docs / "empty.txt").write_text("")
    (docs / "blob.txt").write_bytes(bytes(range(256)) * 64)
    (docs / "fake.pdf").write_bytes(b"this is not a pdf at all")
    (docs / "song.mp3").write_bytes(b"ID3\x04")  # unsupported: ignored, not a problem
    (docs / ".hidden.txt").write_text("secret")
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        _, summary = sync(lib)
        problems = {Path(p).name: (s, r) for p, s, r in lib.status().problems}
    assert summary.indexed == 3
    assert problems["empty.txt"] == ("skipped", "empty file")
    assert problems["blob.txt"][0] == "skipped" and "binary" in problems["blob.txt"][1]
    assert problems["fake.pdf"][0] == "failed" and "malformed" in problems["fake.pdf"][1]
    assert "song.mp3" not in problems and ".hidden.txt" not in problems


def test_a_file_that_changes_while_being_read_is_retried_next_time(tmp_path, monkeypatch):
    import desktop_app.extraction as extraction

    docs = write_docs(tmp_path / "docs")  # few files: read on a thread of this process
    real_extract = extraction.extract

    def extract_while_writing(path):
        pages = real_extract(path)
        if path.name == "volcano.txt":
            path.write_text(DOCS["volcano.txt"] + " Magma chambers refill over centuries.")
        return pages

    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        monkeypatch.setattr(extraction, "extract", extract_while_writing)
        _, summary = sync(lib)
        assert summary.failed == 1 and summary.indexed == 2
        [(path, _, reason)] = lib.status().problems
        assert path.endswith("volcano.txt") and "changed while being read" in reason
        monkeypatch.undo()
        _, summary = sync(lib)
        assert summary.indexed == 1 and lib.status().problems == ()


def test_an_unreadable_folder_is_reported_and_its_indexed_files_are_kept(tmp_path, monkeypatch):
    import desktop_app.scanning as scanning

    docs = write_docs(tmp_path / "docs")
    write_docs(docs / "private", {"diary.txt": "Dear diary, today I climbed a mountain."})
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        sync(lib)
        real_walk = os.walk

        def walk_without_permission(top, onerror=None, **kw):
            for folder, dirs, names in real_walk(top, onerror=onerror, **kw):
                if folder.endswith("private"):
                    onerror(PermissionError(13, "Permission denied", folder))
                    dirs[:] = []
                    continue
                yield folder, dirs, names

        monkeypatch.setattr(scanning.os, "walk", walk_without_permission)
        _, summary = sync(lib)
        assert summary.removed == 0 and summary.unreadable[0][1] == "Permission denied"
        assert top_path(lib, "climbing a mountain") == "diary.txt"


def test_cancel_stops_between_batches_and_the_next_sync_finishes(tmp_path):
    docs = write_docs(tmp_path / "docs", {f"doc{i}.txt": f"Document number {i} about "
                                          f"topic {i}. " * 120 for i in range(30)})
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        control = SyncControl()
        events = []
        for event in lib.sync(control):
            events.append(event)
            if event.outcome:
                control.cancel()
        assert events[-1].phase == "cancelled" and events[-1].summary.cancelled
        done = lib.status().counts["indexed"]
        assert 0 < done < 30
        _, summary = sync(lib)
        assert summary.indexed == 30 - done and lib.status().counts["indexed"] == 30


def test_a_second_writer_on_the_same_folder_gets_a_clear_message(tmp_path):
    docs = write_docs(tmp_path / "docs")
    with Library(tmp_path / "data") as first:
        first.add([docs])
        second = Library(tmp_path / "data")
        with pytest.raises(LibraryError, match="another desktop-app process"):
            second.add([docs])
        second.close()


def test_an_unusable_data_folder_is_refused_with_a_reason(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(LibraryError, match="cannot create the data folder"):
        Library(blocker / "data")


def test_user_patterns_and_the_size_limit_leave_files_out_with_reasons(tmp_path):
    docs = write_docs(tmp_path / "docs")
    write_docs(docs / "drafts", {"idea.txt": "An unfinished idea about kites."})
    (docs / "server.log").write_text("ERROR disk full on volume seven\n" * 20)
    (docs / "node_modules").mkdir()
    (docs / "node_modules" / "readme.md").write_text("package docs")
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        sync(lib)
        assert lib.status().counts["indexed"] == 5
        lib.set_exclude_patterns(["*.log", "drafts/*"])
        _, summary = sync(lib)
        assert summary.removed == 2 and lib.status().counts["indexed"] == 3
        assert dict(lib.status().ignored)["matches your exclusion patterns"] == 2
        lib.set_max_file_mb(1)
        # Over the limit on disk, one sentence once read (trailing blanks are dropped): the
        # limit is on the file's bytes, and the file is cheap to embed once it is allowed.
        (docs / "big.txt").write_text("Kites climb best in a steady sea breeze."
                                      + " " * 1_100_000)
        sync(lib)
        problems = {Path(p).name: r for p, _, r in lib.status().problems}
        assert problems["big.txt"].startswith("too large (1 MB; limit 1 MB)")
        lib.set_exclude_patterns([])
        lib.set_max_file_mb(10)
        _, summary = sync(lib)
        assert summary.indexed == 3 and lib.status().counts["indexed"] == 6
        hits = lib.search("kites in a sea breeze", SearchOptions(k=3))
        assert any(Path(h.path).name == "big.txt" and "sea breeze" in h.text for h in hits)
