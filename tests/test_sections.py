"""Passages know where they sit: their file's title and the heading path above them, from a
PDF's outline, Word heading styles and Markdown ``#`` lines, through the store (and an older
library's upgrade) to search results and the command line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_app.chunking import chunk_pages
from desktop_app.extract import Page, extract
from desktop_app.index.schema import SCHEMA_VERSION
from desktop_app.index.store import NewChunk, Store
from desktop_app.library import Library

INSTALL = ("Bolt the gauge housing to the harbour wall with four stainless anchors. "
           "The float must hang free in the stilling well below the lowest tide. ")
NETWORK = ("The gauge sends its readings over a VHF radio link to the harbour office every "
           "ten minutes; a lost packet is sent again with the next one. ")
CLEANING = ("Scrape barnacles and weed off the float and the well's intake screen once a "
            "season, before the spring tides. ")
QUERIES = {
    "install": "how do I mount the tide gauge on the quay wall",
    "network": "how often are readings transmitted by radio to the office",
    "cleaning": "scraping weed and barnacles off the intake screen each season",
}
#: a word only that section's text holds: which of a file's passages a result is
MARKERS = {"install": "anchors", "network": "VHF", "cleaning": "barnacles"}


def _pdf(path: Path) -> None:
    from desktop_app.extract.mupdf import pymupdf

    doc = pymupdf.open()
    pages = [
        ["Installation", INSTALL * 3],
        ["2 Network setup", NETWORK * 3],
        ["Field notes from the pier.", "3 Cleaning", CLEANING * 3],
    ]
    for lines in pages:
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(50, 50, 550, 800), "\n\n".join(lines), fontsize=11)
    doc.set_metadata({"title": "Tide Gauge Field Manual"})
    # the third section starts halfway down page 3, under a line of another section's text
    doc.set_toc([[1, "Installation", 1], [2, "2 Network setup", 2], [1, "3 Cleaning", 3]])
    doc.save(path)
    doc.close()


def _docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Harbour Gauge Handbook", 0)
    document.add_heading("Installation", 1)
    document.add_paragraph(INSTALL * 5)
    document.add_heading("Network setup", 2)
    document.add_paragraph(NETWORK * 5)
    document.add_heading("Maintenance", 1)
    document.add_paragraph(CLEANING * 8)
    document.save(str(path))


def _markdown(path: Path) -> None:
    # each section about one passage long (a passage is at most 256 tokens)
    path.write_text(f"# Gauge notes\n\nKept by the harbour office.\n\n## Installation\n\n"
                    f"{INSTALL * 5}\n\n```\n# not a heading: a shell comment\n```\n\n"
                    f"### Network setup\n\n{NETWORK * 5}\n\nMaintenance\n-----------\n\n"
                    f"{CLEANING * 8}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("sections")
    docs = root / "docs"
    for kind in ("pdf", "docx", "md"):
        (docs / kind).mkdir(parents=True)
    _pdf(docs / "pdf" / "manual.pdf")
    _docx(docs / "docx" / "handbook.docx")
    _markdown(docs / "md" / "notes.md")
    (docs / "md" / "plain.txt").write_text(INSTALL + NETWORK, encoding="utf-8")
    lib = Library(root / "data")
    lib.add([docs])
    summary = None
    for event in lib.sync():
        summary = event.summary or summary
    assert summary is not None and summary.indexed == 4 and summary.failed == 0
    yield lib, docs, root / "data"
    lib.close()


def _top(lib: Library, query: str, suffix: str):
    """The result from the file ending in ``suffix`` that holds the query's section."""
    from desktop_app.searching import SearchOptions

    key = next(k for k, q in QUERIES.items() if q == query)
    hits = [r for r in lib.search(query, SearchOptions(k=20, per_file=None,
                                                   collapse_duplicates=False))
            if r.path.endswith(suffix) and MARKERS[key] in r.text]
    assert hits, f"no {suffix} result for {query!r}"
    return hits[0]


@pytest.mark.parametrize(("query", "section", "page"), [
    ("install", "Installation", 1),
    ("network", "Installation › 2 Network setup", 2),
    ("cleaning", "3 Cleaning", 3),
])
def test_a_pdf_outline_gives_results_their_section_and_the_metadata_title(
        library, query, section, page):
    lib, _, _ = library
    hit = _top(lib, QUERIES[query], ".pdf")
    assert (hit.page, hit.section, hit.title) == (page, section, "Tide Gauge Field Manual")


@pytest.mark.parametrize(("suffix", "title"), [
    # Word: heading styles give sections, the Title-styled paragraph the title
    (".docx", "Harbour Gauge Handbook"),
    # Markdown: the first top heading ("# Gauge notes") is the title, not a section above
    # the others
    (".md", "Gauge notes"),
])
@pytest.mark.parametrize(("query", "section"), [
    ("install", "Installation"),
    ("network", "Installation › Network setup"),
    ("cleaning", "Maintenance"),
])
def test_headings_give_sections_and_the_title_heading_the_title(
        library, suffix, title, query, section):
    lib, _, _ = library
    hit = _top(lib, QUERIES[query], suffix)
    assert (hit.section, hit.title) == (section, title)


def test_plain_text_has_neither(library):
    lib, _, _ = library
    hit = _top(lib, QUERIES["network"], "plain.txt")
    assert (hit.section, hit.title) == (None, None)
    plain = next(f for path, f in lib.store.files().items() if path.endswith("plain.txt"))
    assert plain.title is None


def test_title_and_section_are_shown_but_not_embedded_stored_or_keyword_indexed(library):
    lib, _, _ = library
    hit = _top(lib, QUERIES["network"], ".pdf")
    assert hit.section and hit.title
    # the passage's vector is the passage's text alone, as the model embeds it
    alone = lib.encoder.embed_documents([[t.ids for t in lib.encoder.tokenize([hit.text])]])[0]
    stored = lib.chunk_vector(hit.chunk_id)
    expected = lib.codec.decode(lib.codec.encode(alone))[0]
    assert np.allclose(stored, expected)
    # the title is in no page's text: neither the passage nor the keyword index holds it
    assert "Manual" not in hit.text
    assert lib.search("Manual", _keyword()) == []


def _keyword():
    from desktop_app.searching import SearchOptions

    return SearchOptions(mode="keyword")


def test_the_command_line_shows_title_and_section(library):
    lib, _, data = library
    lib.close()  # the command line opens the data folder itself
    run = [sys.executable, "-m", "desktop_app", "search", QUERIES["network"], "--data-dir",
           str(data)]
    as_json = subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=300)
    assert as_json.returncode == 0, as_json.stderr
    results = json.loads(as_json.stdout)
    pdf = next(r for r in results if r["path"].endswith(".pdf"))
    assert (pdf["title"], pdf["section"]) == ("Tide Gauge Field Manual",
                                              "Installation › 2 Network setup")
    plain = next(r for r in results if r["path"].endswith("plain.txt"))
    assert (plain["title"], plain["section"]) == (None, None)
    human = subprocess.run(run, capture_output=True, text=True, timeout=300)
    lines = human.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.rstrip().endswith(".pdf  p.2"))
    assert lines[at + 1].strip() == "Tide Gauge Field Manual › Installation › 2 Network setup"


def test_a_copy_takes_the_title_and_sections_with_the_passages(tmp_path):
    first, second = tmp_path / "docs" / "a", tmp_path / "docs" / "b"
    first.mkdir(parents=True)
    _markdown(first / "notes.md")
    with Library(tmp_path / "data") as lib:
        lib.add([tmp_path / "docs"])
        list(lib.sync())
        second.mkdir()
        (second / "notes.md").write_bytes((first / "notes.md").read_bytes())
        outcomes = [e.outcome.status for e in lib.sync() if e.outcome is not None]
        assert outcomes == ["copied"]
        files = lib.store.files()
        original, copy = (files[str((d / "notes.md").resolve())] for d in (first, second))
        assert copy.title == original.title == "Gauge notes"
        assert ([c.section for c in lib.store.chunks_of_file(copy.id)]
                == [c.section for c in lib.store.chunks_of_file(original.id)])
        assert "Installation › Network setup" in {
            c.section for c in lib.store.chunks_of_file(copy.id)}


def test_a_chunk_is_filed_under_the_section_it_mostly_holds(encoder):
    text = "Old section tail.\n\nNew heading\n\n" + "Lots of words in the new section. " * 6
    page = Page(1, text, headings=((0, "Old"), (text.index("New heading"), "New")),
                title="Doc")
    chunks = chunk_pages([page], encoder.tokenize, 256)
    assert [(c.section, c.title) for c in chunks] == [("New", "Doc")]


def test_extractors_without_headings_carry_none(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("# not markdown, only a text file\n\nbody", encoding="utf-8")
    (page,) = extract(path)
    assert (page.headings, page.title) == ((), None)


# The schema of version 3, as libraries made before titles and sections have it.
V3_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE roots (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, added_at REAL NOT NULL);
CREATE TABLE excluded (path TEXT PRIMARY KEY);
CREATE TABLE files (
    id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, sha256 TEXT,
    status TEXT NOT NULL CHECK (status IN ('indexed', 'skipped', 'failed')), reason TEXT,
    pages INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL, embedded INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX files_sha256 ON files (sha256);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    ord INTEGER NOT NULL, page INTEGER, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
    text TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX chunks_file ON chunks (file_id, ord);
CREATE VIRTUAL TABLE chunks_fts USING fts5 (
    text, content = 'chunks', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
INSERT INTO meta VALUES ('schema_version', '3'), ('generation', '1'), ('library_uuid', 'x');
INSERT INTO files (path, size, mtime_ns, sha256, status, reason, pages, chunks, updated_at)
    VALUES ('/docs/old.pdf', 10, 1, 'aa', 'indexed', NULL, 1, 1, 0);
INSERT INTO chunks (file_id, ord, page, char_start, char_end, text, vector)
    VALUES (1, 0, 1, 0, 12, 'tide tables', x'0102');
"""


def test_a_version_3_library_upgrades_with_no_titles_or_sections(tmp_path):
    path = tmp_path / "library.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(V3_SCHEMA)
    db.close()
    store = Store(path)
    try:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "4"
        (old,) = store.files().values()
        assert old.title is None
        row = store.chunk_rows([1])[1]
        assert (row.text, row.section, row.title) == ("tide tables", None, None)
        assert store.keyword_search("tide", 5) and store.chunks_of_file(old.id)[0].section is None
        # what is indexed from now on keeps both
        ids, _ = store.record_file(
            "/docs/new.pdf", size=1, mtime_ns=1, sha256="bb", status="indexed", reason=None,
            pages=1, title="Tide Tables", chunks=[NewChunk(1, 0, 5, "ebb", np.zeros(2, np.uint8),
                                                         section="Ebb › Neap")])
        row = store.chunk_rows(ids)[ids[0]]
        assert (row.section, row.title) == ("Ebb › Neap", "Tide Tables")
        assert store.files()["/docs/new.pdf"].title == "Tide Tables"
        new = store.files()["/docs/new.pdf"].id
        (copied,) = store.chunks_of_file(new)
        assert copied.section == "Ebb › Neap"
        assert store.passages_of(new) == [(ids[0], "ebb")]
        (placed,) = store.chunk_rows(ids).values()
        assert (placed.section, placed.title) == ("Ebb › Neap", "Tide Tables")
        assert store.passages_of(old.id) == [(1, "tide tables")]
        (upgraded,) = store.chunk_rows([1]).values()
        assert (upgraded.section, upgraded.title) == (None, None)
    finally:
        store.close()
