"""Office documents, slides, sheets, mail and web pages: what is read, how pages are numbered
and named, why a file is not read, and that a search through the real library and model
finds what exists only inside a table, speaker notes, a row, an attachment or a page's body.

The files are in tests/data/office (made by LibreOffice, the formats' own libraries and
Python's email package; its README says how).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from desktop_app.events import SearchResult
from desktop_app.extract import ExtractionError, Page, containers, extract, office, sheets
from desktop_app.extract.registry import page_word
from desktop_app.library import Library
from desktop_app.searching import SearchOptions

OFFICE = Path(__file__).resolve().parent / "data" / "office"


def _reason(path: Path) -> tuple[str, str]:
    with pytest.raises(ExtractionError) as caught:
        extract(path)
    return caught.value.status, caught.value.reason


def _numbers(pages: list[Page]) -> list[int | None]:
    return [page.number for page in pages]


# -- word processing ---------------------------------------------------------------------
def test_a_word_file_with_page_breaks_is_read_page_by_page():
    path = OFFICE / "harbour-report.docx"
    pages = extract(path)
    assert _numbers(pages) == [1, 2, 3]
    assert page_word(path) == "page"
    first, second, third = (page.text for page in pages)
    assert first.startswith("Title: Harbour Survey\nAuthor: Mira Okafor")
    for expected in ("Port Authority internal", "Printed for the board", "Harbour survey",
                     "• Sounding the channel",
                     "Comment (Lena Varga): Check the basin names with the harbour master"):
        assert expected in first
    assert ("Inspect cormorant nests on the fog signal tower | Tobias Brennan | every spring"
            in second.splitlines())
    assert second.splitlines()[0] == "Duties" and "cormorant" not in first + third
    assert third.startswith("Budget\n\n")


@pytest.mark.parametrize("name", ["tide-notes.docx", "tide-notes.odt", "tide-notes.rtf"])
def test_a_document_without_recorded_page_breaks_is_cut_into_sections(name):
    path = OFFICE / name
    pages = extract(path)
    assert page_word(path) == "section"
    assert _numbers(pages) == [1, 2]
    text = "\n\n".join(page.text for page in pages)
    assert "Spring tides this year peaked in late March." in pages[0].text
    assert "The eel fishermen asked for the sluice gates" in pages[-1].text
    # About a printed page each, cut where a paragraph ends.
    assert 2000 < len(pages[0].text) <= office.SECTION_CHARS + 200
    assert pages[1].text.startswith("The harbour board meets")
    assert "6.1 metres at the salt marsh sluice" in text
    if name != "tide-notes.rtf":  # RTF keeps neither metadata nor footnotes apart
        assert pages[0].text.startswith("Title: Tide Notes\nAuthor: Jonas Pike")
        assert "Tide office, north pier" in pages[0].text
        assert "March | 6.1 metres at the salt marsh sluice" in pages[0].text
        assert "• Check the tide gauge daily" in pages[0].text
        assert "\n\n[1] Gauge readings were taken at the lifeboat slipway." in pages[0].text


def test_where_word_last_laid_out_a_page_break_the_page_ends_even_mid_paragraph(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.core_properties.author = ""  # python-docx's template names itself
    document.add_paragraph("First page text.")
    paragraph = document.add_paragraph("Runs over ")
    # What Word writes where a page ended when it last laid the document out.
    paragraph.add_run()._r.append(OxmlElement("w:lastRenderedPageBreak"))
    paragraph.add_run("onto the second page.")
    path = tmp_path / "laid-out.docx"
    document.save(path)
    assert page_word(path) == "page"
    assert [(p.number, p.text) for p in extract(path)] == [
        (1, "First page text.\n\nRuns over"), (2, "onto the second page.")]


def test_an_opendocument_text_with_page_breaks_is_read_page_by_page(tmp_path):
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
        ' xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0">'
        '<office:automatic-styles><style:style style:name="P1" style:family="paragraph">'
        '<style:paragraph-properties fo:break-before="page"/></style:style>'
        '</office:automatic-styles><office:body><office:text>'
        "<text:p>Cover page.</text:p><text:soft-page-break/><text:p>Second page.</text:p>"
        '<text:p text:style-name="P1">Third page starts here.</text:p>'
        "</office:text></office:body></office:document-content>")
    path = tmp_path / "breaks.odt"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content)
    assert page_word(path) == "page"
    assert [(p.number, p.text) for p in extract(path)] == [
        (1, "Cover page."), (2, "Second page."), (3, "Third page starts here.")]


@pytest.mark.parametrize(("source", "suffix", "main_type"), [
    ("harbour-report.docx", ".docm", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    ("harbour-report.docx", ".dotx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
    ("ferry-deck.pptx", ".ppsx",
     "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"),
])
def test_macro_enabled_files_templates_and_shows_read_like_their_plain_kind(
        tmp_path, source, suffix, main_type):
    plain = OFFICE / source
    variant = tmp_path / f"variant{suffix}"
    with zipfile.ZipFile(plain) as package, zipfile.ZipFile(variant, "w") as out:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == "[Content_Types].xml":
                data = re.sub(rb"application/vnd[\w.-]+\.(document|presentation)\.main\+xml",
                              main_type.encode(), data)
            out.writestr(info, data)
    assert main_type.encode() in zipfile.ZipFile(variant).read("[Content_Types].xml")
    assert extract(variant) == extract(plain)


# -- slides --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["ferry-deck.pptx", "ferry-deck.odp"])
def test_a_deck_is_read_slide_by_slide_with_titles_tables_and_speaker_notes(name):
    path = OFFICE / name
    pages = extract(path)
    assert page_word(path) == "slide"
    assert _numbers(pages) == [1, 2, 3]
    assert pages[0].text == "Ferry service review\n\nWinter season"
    assert pages[1].text == ("Crossings\n\nForty crossings a day in summer\nTwelve in winter"
                             "\n\nSpeaker notes:\nTell them the timetable is suspended "
                             "whenever the river freezes over.")
    assert pages[2].text == ("Fares\n\nTicket | Price\nFoot passenger | 3 euros\n"
                             "Bicycle | 1 euro")


# -- sheets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["accounts.xlsx", "accounts.ods"])
def test_a_workbook_is_read_sheet_by_sheet_as_header_value_rows(name):
    path = OFFICE / name
    pages = extract(path)
    assert page_word(path) == "sheet"
    assert _numbers(pages) == [1, 2]
    summary, suppliers = (page.text.splitlines() for page in pages)
    assert summary[:2] == ["Sheet: Summary", "Year: 2024; Total: 18250"]
    assert suppliers == [
        "Sheet: Suppliers",
        "Supplier: Northwind Ropes; Item: mooring lines; Amount: 4200.5; "
        "Notes: delivered late after the storm",
        # the error value (#DIV/0!) is left out
        "Supplier: Baltic Paints; Item: anti-fouling paint; Amount: 980",
    ]
    if name.endswith(".xlsx"):
        # The formula was never computed (openpyxl writes no cached values): nothing to read.
        assert summary[2:] == ["Year: 2025"]
    else:
        assert summary[2:] == ["Year: 2025; Total: 36500"]  # LibreOffice computed it


def test_a_csv_file_is_one_page_of_header_value_rows_and_a_big_one_is_capped(
        tmp_path, monkeypatch):
    path = tmp_path / "crew.csv"
    path.write_text("name;role;boat\nIda;skipper;Kestrel\n\nOla;;Tern\n", encoding="utf-8")
    [page] = extract(path)
    assert page.number is None and page.note is None
    assert page.text == "name: Ida; role: skipper; boat: Kestrel\nname: Ola; boat: Tern"

    monkeypatch.setattr(sheets, "MAX_CELLS", 10)
    path.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(50)), encoding="utf-8")
    [page] = extract(path)
    assert page.text.splitlines()[0] == "a: 0; b: 0"
    assert len(page.text.splitlines()) == 4  # 2 header cells + 4 rows of 2 = 10 cells
    assert page.note == "only the first 10 cells were indexed"


# -- mail --------------------------------------------------------------------------------------
def test_a_message_is_one_page_and_its_attachment_more_pages_of_it():
    path = OFFICE / "permit.eml"
    message, attachment = extract(path)
    assert page_word(path) == "message"
    assert message.number == attachment.number == 1
    assert message.text.splitlines()[:5] == [
        "Subject: Permit paperwork", "From: Mira Okafor <mira@harbour.example>",
        "To: Board <board@harbour.example>", "Date: Tue, 04 Feb 2025 09:30:00 +0100",
        "Attachments: permit.pdf"]
    assert message.text.endswith("the permit is attached. Please read it before Monday.")
    assert attachment.text.startswith("Attachment: permit.pdf\n\n")
    assert "\nDredging permit\n" in attachment.text
    assert "expires on 14 March" in attachment.text


def test_a_mailbox_is_read_message_by_message_and_html_bodies_as_text():
    pages = extract(OFFICE / "board.mbox")
    assert _numbers(pages) == [1, 2, 3]
    assert [p.text.splitlines()[0] for p in pages] == [
        "Subject: Agenda", "Subject: Lighthouse lamp", "Subject: Minutes"]
    assert pages[1].text.endswith("\n\nThe lighthouse lamp was replaced with an LED unit that "
                                  "is visible for twenty nautical miles.")


# -- web ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["otters.html", "otters.mhtml"])
def test_a_web_page_is_read_as_its_main_text_without_menus_or_footers(name):
    [page] = extract(OFFICE / name)
    assert page.number is None
    assert page.text == (
        "Otter count\n\nVolunteers counted thirty-one sea otters along the kelp beds south of "
        "the breakwater.\n\nPups were seen in April, earlier than in any year since records "
        "began.")


def test_a_page_without_a_marked_main_part_keeps_its_body_but_not_its_navigation(tmp_path):
    path = tmp_path / "plain.htm"
    path.write_text("<body><div id='nav'><a>Home</a> <a>Shop</a></div><h2>Opening times</h2>"
                    "<p>Open daily.</p><footer>Contact us</footer></body>", encoding="utf-8")
    assert [p.text for p in extract(path)] == ["Opening times\n\nOpen daily."]


# -- what is not read, and why -------------------------------------------------------------------
@pytest.mark.parametrize(("name", "reason"), [
    ("legacy.doc", "Word 97–2003 format: save it as .docx to search it"),
    ("legacy.xls", "Excel 97–2003 format: save it as .xlsx to search it"),
    ("legacy.ppt", "PowerPoint 97–2003 format: save it as .pptx to search it"),
    ("encrypted.docx", "encrypted (password required)"),
])
def test_old_binary_and_password_protected_office_files_are_skipped_with_a_reason(name, reason):
    assert _reason(OFFICE / name) == ("skipped", reason)


def test_damaged_renamed_and_inflating_office_files_get_specific_reasons(tmp_path, monkeypatch):
    whole = (OFFICE / "harbour-report.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(whole[: len(whole) // 2])
    status, reason = _reason(tmp_path / "cut.docx")
    assert status == "failed" and reason.startswith("damaged Word file: ")

    (tmp_path / "text.xlsx").write_text("name,amount\n", encoding="utf-8")
    assert _reason(tmp_path / "text.xlsx") == ("failed", "damaged Excel file: not a zip package")

    shutil.copy(OFFICE / "legacy.doc", tmp_path / "renamed.docx")
    assert _reason(tmp_path / "renamed.docx") == (
        "skipped", "a Word 97–2003 document under a new name: open it and save it as .docx")

    locked = tmp_path / "locked.odt"
    with zipfile.ZipFile(locked, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", bytes(range(256)))  # ciphertext is not XML
        package.writestr("META-INF/manifest.xml", (
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="content.xml">'
            '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>'
            "</manifest:file-entry></manifest:manifest>"))
    assert _reason(locked) == ("skipped", "encrypted (password required)")

    monkeypatch.setattr(containers, "MAX_UNPACKED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"\0" * (2 * 1024 * 1024))
    (tmp_path / "bomb.docx").write_bytes(buffer.getvalue())
    assert _reason(tmp_path / "bomb.docx") == (
        "skipped", "Word file unpacks to 2 MB; not read (limit 1 MB, a guard against zip bombs)")


# -- the result line names the page rightly --------------------------------------------------------
def test_the_command_line_result_says_slide_sheet_message_or_page(capsys):
    from desktop_app.commands import _print_results

    def result(name: str, page: int | None) -> SearchResult:
        return SearchResult(path=str(OFFICE / name), page=page, score=0.9, text="x",
                            char_start=0, char_end=1, chunk_id=1, good_match=True)

    _print_results("q", [result("ferry-deck.pptx", 3), result("accounts.xlsx", 2),
                         result("board.mbox", 5), result("tide-notes.odt", 4),
                         result("harbour-report.docx", 2), result("otters.html", None)])
    lines = [line.split("  ")[-1] for line in capsys.readouterr().out.splitlines()[::2]]
    assert lines == ["slide 3", "sheet 2", "message 5", "section 4", "p.2", "-"]


# -- found through the real library and model ------------------------------------------------------
@pytest.fixture(scope="module")
def office_library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office-docs")
    for path in OFFICE.iterdir():
        if path.suffix != ".py" and path.name != "README.md":
            shutil.copy(path, folder / path.name)
    lib = Library(tmp_path_factory.mktemp("office-lib"))
    lib.add([folder])
    summary = list(lib.sync())[-1].summary
    yield lib, summary
    lib.close()


def test_every_readable_fixture_is_indexed_and_the_others_are_skipped(office_library):
    _, summary = office_library
    assert summary.failed == 0
    assert summary.skipped == 4  # three old binary formats and the encrypted file
    assert summary.indexed == 12


@pytest.mark.parametrize(("query", "names", "page", "needle"), [
    ("who inspects the cormorant nests on the fog signal tower",
     {"harbour-report.docx"}, 2, "cormorant"),
    ("what happens to the ferry timetable when the river freezes",
     {"ferry-deck.pptx", "ferry-deck.odp"}, 2, "river freezes"),
    ("which supplier delivered the mooring lines late after the storm",
     {"accounts.xlsx", "accounts.ods"}, 2, "Northwind Ropes"),
    ("when does the permit to dredge the inner basin expire",
     {"permit.eml"}, 1, "expires on 14 March"),
    ("how many sea otters did the volunteers count in the kelp beds",
     {"otters.html", "otters.mhtml"}, None, "thirty-one sea otters"),
])
def test_a_search_finds_what_is_only_inside_a_table_notes_row_attachment_or_page(
        office_library, query, names, page, needle):
    lib, _ = office_library
    [hit] = lib.search(query, SearchOptions(k=1))
    assert Path(hit.path).name in names and hit.page == page
    assert needle in hit.text
    texts = [p.text for p in extract(Path(hit.path)) if p.number == hit.page]
    assert hit.text in [t[hit.char_start:hit.char_end] for t in texts]
    if Path(hit.path).suffix == ".eml":
        [holding] = [t for t in texts if t[hit.char_start:hit.char_end] == hit.text]
        assert holding.startswith("Attachment: permit.pdf")
