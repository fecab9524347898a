"""Extraction: real and tricky PDFs from tests/data, and text files built per test."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pymupdf
import pytest

from desktop_app.extract import SUPPORTED_SUFFIXES, ExtractionError, Page, extract, is_supported
from desktop_app.extract import text as text_family

PDFS = Path(__file__).resolve().parent / "data" / "pdfs"


def _real_pdfs() -> list[Path]:
    return sorted((PDFS / "real").glob("*.pdf"))


def _reason(path: Path) -> tuple[str, str]:
    with pytest.raises(ExtractionError) as caught:
        extract(path)
    return caught.value.status, caught.value.reason


def _assert_normalised(page: Page) -> None:
    assert page.text == page.text.strip("\n")
    assert "\n\n\n" not in page.text
    assert all(line == line.rstrip() for line in page.text.split("\n"))
    assert not any(ord(c) < 32 and c not in "\t\n" for c in page.text)


# --- Real PDFs ---------------------------------------------------------------------------

# File → (page count, a phrase from its text).
REAL_PDF_FACTS = {
    "acl-2020-main-207.pdf": (13, "Association for Computational Linguistics"),
    "federal-register-2020-17221.pdf": (15, "FEDERAL REGISTER"),
    "nics-background-checks-2015-11.pdf": (1, "Handgun"),
    "scotus-transcript-p1.pdf": (1, "SUPREME COURT OF THE UNITED STATES"),
    "senate-expenditures.pdf": (1, "PAYEE NAME"),
}


def test_every_real_pdf_has_its_facts_listed() -> None:
    assert sorted(p.name for p in _real_pdfs()) == sorted(REAL_PDF_FACTS)


@pytest.mark.parametrize("path", _real_pdfs(), ids=lambda p: p.name)
def test_real_pdf_yields_numbered_pages_of_text(path: Path) -> None:
    pages = extract(path)
    with pymupdf.open(path) as doc:
        page_count = doc.page_count
    numbers = [page.number for page in pages]
    assert numbers == sorted(set(numbers))
    assert all(number is not None and 1 <= number <= page_count for number in numbers)
    assert sum(c.isalpha() for page in pages for c in page.text) > 200
    for page in pages:
        _assert_normalised(page)


@pytest.mark.parametrize(("name", "facts"), REAL_PDF_FACTS.items())
def test_real_pdf_has_every_page_and_its_known_text(name: str, facts: tuple[int, str]) -> None:
    page_count, phrase = facts
    pages = extract(PDFS / "real" / name)
    assert [page.number for page in pages] == list(range(1, page_count + 1))
    assert any(phrase in page.text for page in pages)


def test_ligatures_are_expanded_and_line_end_hyphens_joined() -> None:
    text = "\n".join(page.text for page in extract(PDFS / "real" / "acl-2020-main-207.pdf"))
    assert "classification" in text
    assert "ﬁ" not in text
    assert "including topic classification" in text


# --- Tricky PDFs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("password-protected.pdf", "skipped", "encrypted (password required)"),
        ("scanned-no-text-layer-rotated.pdf", "skipped", "no text layer (needs OCR)"),
        # Its only text is a date ("2021 3 31") over a full-page image, on a page whose box
        # is upside down: a broken file, not a scan.
        ("malformed.pdf", "failed", "damaged PDF: little or no readable text"),
    ],
)
def test_tricky_pdf_is_refused_with_its_reason(name: str, status: str, reason: str) -> None:
    assert _reason(PDFS / "tricky" / name) == (status, reason)


@pytest.mark.parametrize(
    ("name", "phrases"),
    [
        ("right-to-left-01.pdf", ["البرمجة", "Python", "pandas"]),
        ("duplicate-chars.pdf", ["计算机科学与技术", "北京师范大学珠海分校"]),
    ],
)
def test_tricky_pdf_with_text_yields_pages(name: str, phrases: list[str]) -> None:
    pages = extract(PDFS / "tricky" / name)
    assert pages
    assert pages[0].number == 1
    text = "\n".join(page.text for page in pages)
    for phrase in phrases:
        assert phrase in text


# --- Generated paged documents -----------------------------------------------------------


def _save_pdf(path: Path, page_texts: list[str], **save_options: object) -> Path:
    doc = pymupdf.open()
    for page_text in page_texts:
        page = doc.new_page()
        if page_text:
            page.insert_text((72, 72), page_text)
    doc.save(path, **save_options)
    doc.close()
    return path


def test_empty_pages_are_omitted_and_the_others_keep_their_numbers(tmp_path: Path) -> None:
    path = _save_pdf(tmp_path / "gap.pdf", ["hello world", "", "goodbye moon"])
    assert extract(path) == [Page(1, "hello world"), Page(3, "goodbye moon")]


def test_a_short_text_without_images_is_still_indexed(tmp_path: Path) -> None:
    assert extract(_save_pdf(tmp_path / "short.pdf", ["Memo"])) == [Page(1, "Memo")]


def test_pdf_with_blank_pages_only_has_no_text(tmp_path: Path) -> None:
    assert _reason(_save_pdf(tmp_path / "blank.pdf", ["", ""])) == ("skipped", "no text")


def test_pdf_of_images_only_needs_ocr(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 8, 8))
    pixmap.clear_with(200)
    page.insert_image(pymupdf.Rect(72, 72, 400, 400), pixmap=pixmap)
    page.insert_text((72, 450), "p. 1")
    doc.save(tmp_path / "scan.pdf")
    doc.close()
    assert _reason(tmp_path / "scan.pdf") == ("skipped", "no text layer (needs OCR)")


def test_pdf_with_user_password_is_skipped_as_encrypted(tmp_path: Path) -> None:
    path = _save_pdf(
        tmp_path / "locked.pdf",
        ["secret"],
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        user_pw="user",
        owner_pw="owner",
    )
    assert _reason(path) == ("skipped", "encrypted (password required)")


def test_pdf_with_owner_password_only_opens_and_is_read(tmp_path: Path) -> None:
    path = _save_pdf(
        tmp_path / "restricted.pdf",
        ["printable but not editable"],
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        owner_pw="owner",
        permissions=pymupdf.PDF_PERM_PRINT,
    )
    assert extract(path) == [Page(1, "printable but not editable")]


def test_pdf_with_zero_pages_is_skipped(tmp_path: Path) -> None:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    (tmp_path / "zero.pdf").write_bytes(bytes(body))
    assert _reason(tmp_path / "zero.pdf") == ("skipped", "no pages")


def test_file_that_is_not_a_pdf_fails_as_damaged(tmp_path: Path) -> None:
    (tmp_path / "fake.pdf").write_bytes(b"this is a text file wearing a .pdf suffix\n" * 20)
    status, reason = _reason(tmp_path / "fake.pdf")
    assert status == "failed"
    assert reason.startswith("malformed or damaged PDF: ")


def test_truncated_pdf_fails_as_damaged(tmp_path: Path) -> None:
    whole = (PDFS / "real" / "federal-register-2020-17221.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(whole[:2000])
    status, reason = _reason(tmp_path / "cut.pdf")
    assert status == "failed"
    assert reason.startswith("malformed or damaged PDF: ")


def test_empty_pdf_file_is_skipped_as_empty(tmp_path: Path) -> None:
    (tmp_path / "nothing.pdf").write_bytes(b"")
    assert _reason(tmp_path / "nothing.pdf") == ("skipped", "empty file")


def test_epub_is_read_as_pages(tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    with zipfile.ZipFile(path, "w") as epub:
        epub.writestr("mimetype", "application/epub+zip")
        epub.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0"'
            ' xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        epub.writestr(
            "content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0"'
            ' unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<dc:title>T</dc:title><dc:identifier id="id">x</dc:identifier></metadata>'
            '<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>'
            '</manifest><spine><itemref idref="c1"/></spine></package>',
        )
        epub.writestr(
            "c1.xhtml",
            '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
            "<head><title>T</title></head><body><h1>Chapter One</h1>"
            "<p>The lighthouse keeper counted ships.</p></body></html>",
        )
    pages = extract(path)
    assert pages[0].number == 1
    assert "The lighthouse keeper counted ships." in pages[0].text


def test_fb2_is_read_as_pages(tmp_path: Path) -> None:
    path = tmp_path / "book.fb2"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<FictionBook xmlns="http://www.gribuser.ru/xml/fictionbook/2.0"><body><section>'
        "<p>It was a dark and stormy night in Zürich.</p></section></body></FictionBook>",
        encoding="utf-8",
    )
    assert extract(path) == [Page(1, "It was a dark and stormy night in Zürich.")]


# --- Text files --------------------------------------------------------------------------


def _single_text(path: Path) -> str:
    pages = extract(path)
    assert len(pages) == 1
    assert pages[0].number is None
    return pages[0].text


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("plain.txt", "Grüße, café, naïve — ok".encode()),
        ("bom.md", b"\xef\xbb\xbf" + "Grüße, café, naïve — ok".encode()),
        ("le.txt", "\ufeffGrüße, café, naïve — ok".encode("utf-16-le")),
        ("be.csv", "\ufeffGrüße, café, naïve — ok".encode("utf-16-be")),
        ("wide.log", "\ufeffGrüße, café, naïve — ok".encode("utf-32-le")),
        ("windows.txt", "Grüße, café, naïve — ok".encode("cp1252")),
    ],
)
def test_text_encodings_are_decoded(tmp_path: Path, name: str, encoded: bytes) -> None:
    (tmp_path / name).write_bytes(encoded)
    assert _single_text(tmp_path / name) == "Grüße, café, naïve — ok"


def test_latin1_accents_survive(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes(
        "Le résumé du député: über alles, à bientôt.".encode("latin-1")
    )
    assert _single_text(tmp_path / "old.txt") == "Le résumé du député: über alles, à bientôt."


def test_cyrillic_code_page_is_recognised(tmp_path: Path) -> None:
    sentence = "Съешь же ещё этих мягких французских булок, да выпей чаю. Привет из Москвы."
    (tmp_path / "ru.txt").write_bytes(sentence.encode("cp1251"))
    assert _single_text(tmp_path / "ru.txt") == sentence


def test_nul_bytes_after_the_sniffed_start_are_dropped_not_binary(tmp_path: Path) -> None:
    # Logs cut short by a crash often end in NUL padding; the text before it is still text.
    (tmp_path / "crashed.log").write_bytes(b"ok\n" * 4000 + b"last words\x00\x00\x00\n")
    assert _single_text(tmp_path / "crashed.log").endswith("ok\nlast words")


def test_line_ends_and_blank_runs_are_normalised(tmp_path: Path) -> None:
    (tmp_path / "messy.txt").write_bytes(
        b"\r\n\r\nfirst line   \r\nsecond\tline\x07\rthird\r\n\r\n\r\n\r\n\r\nlast  \r\n"
    )
    assert _single_text(tmp_path / "messy.txt") == "first line\nsecond\tline\nthird\n\nlast"


def test_html_keeps_visible_text_only(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<!DOCTYPE html><html><head><title>Tab title</title>"
        "<style>body { color: red; }</style><script>var hidden = 1;</script></head>"
        "<body><h1>Fish &amp; Chips</h1>\n   <p>Caf&eacute; &lt;open&gt;\n   daily</p>"
        "<script>alert('no')</script><ul><li>one</li><li>two</li></ul>"
        "first<br/>second</body></html>",
        encoding="utf-8",
    )
    text = _single_text(tmp_path / "page.html")
    assert text == "Fish & Chips\n\nCafé <open> daily\n\none\ntwo\n\nfirst\nsecond"


def test_html_with_unclosed_head_still_shows_its_body(tmp_path: Path) -> None:
    (tmp_path / "old.htm").write_text("<html><head><title>x</title><body>Visible", "utf-8")
    assert _single_text(tmp_path / "old.htm") == "Visible"


def test_source_code_keeps_its_indentation(tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    assert _single_text(tmp_path / "code.py") == "def f():\n    return 1"


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n   \n"], ids=["empty", "whitespace"])
def test_empty_text_file_is_skipped(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "blank.txt").write_bytes(content)
    assert _reason(tmp_path / "blank.txt") == ("skipped", "empty file")


def test_binary_file_named_txt_is_skipped(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4096)
    (tmp_path / "noise.txt").write_bytes(noise + b"\x00\x00\x00" + noise)
    assert _reason(tmp_path / "noise.txt") == ("skipped", "binary content, not text")


def test_binary_without_nul_bytes_is_skipped_by_its_control_characters(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(4096).replace(b"\x00", b"\x01")
    (tmp_path / "noise.log").write_bytes(noise)
    assert _reason(tmp_path / "noise.log") == ("skipped", "binary content, not text")


def test_text_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a line of text\n" * (2 * 1024 * 1024 // 15 + 1))
    with pytest.raises(ExtractionError) as caught:
        text_family.extract(path, max_bytes=1024 * 1024)
    assert (caught.value.status, caught.value.reason) == ("skipped", "too large (2 MB; limit 1 MB)")


# --- Routing and errors ------------------------------------------------------------------


def test_supported_suffixes_route_case_insensitively() -> None:
    assert {".pdf", ".epub", ".txt", ".html", ".py"} <= SUPPORTED_SUFFIXES
    assert is_supported("Report.PDF")
    assert is_supported(Path("notes.Md"))
    assert is_supported("photo.JPG")  # pictures of text are read by OCR
    assert not is_supported("comic.cbz")
    assert not is_supported("Makefile")


def test_uppercase_suffix_is_read(tmp_path: Path) -> None:
    (tmp_path / "SHOUT.TXT").write_text("loud", encoding="utf-8")
    assert _single_text(tmp_path / "SHOUT.TXT") == "loud"


def test_unsupported_suffix_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "song.mp3").write_bytes(b"ID3\x03")
    assert _reason(tmp_path / "song.mp3") == ("skipped", "unsupported file type (.mp3)")


@pytest.mark.parametrize("name", ["gone.txt", "gone.pdf"])
def test_missing_file_has_vanished(tmp_path: Path, name: str) -> None:
    assert _reason(tmp_path / name) == ("failed", "file vanished while being read")


def test_folder_with_a_supported_suffix_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "archive.pdf").mkdir()
    assert _reason(tmp_path / "archive.pdf") == ("failed", "is a folder, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX only")
def test_named_pipe_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    assert _reason(tmp_path / "pipe.txt") == ("failed", "not a regular file")


@pytest.mark.parametrize("name", ["locked.txt", "locked.pdf"])
def test_unreadable_file_is_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # chmod 000 does not stop root, which runs CI; refusing the open works for every user.
    locked = tmp_path / name
    locked.write_bytes(b"%PDF-1.4 or text, it is never read")
    real_open = os.open  # documents are opened with os.open (no blocking on a pipe)

    def refusing_open(path: object, *args: object, **kwargs: object) -> object:
        if Path(path) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)
    assert _reason(locked) == ("failed", "permission denied")


def test_unexpected_error_in_a_family_becomes_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_decode(data: bytes) -> str:
        raise ValueError("decoder fell over")

    monkeypatch.setattr(text_family, "decode", broken_decode)
    (tmp_path / "fine.txt").write_text("fine", encoding="utf-8")
    assert _reason(tmp_path / "fine.txt") == (
        "failed",
        "could not read: ValueError: decoder fell over",
    )


def test_importing_the_package_does_not_load_pymupdf() -> None:
    # The GUI imports desktop_app.extract at start-up; PyMuPDF takes a third of a second.
    code = "import sys, desktop_app.extract; print('pymupdf' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
