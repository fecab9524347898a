# ruff: noqa: E501 (the document sources below are XML, one element a line)
"""Remake the office, slide, sheet, mail and web fixtures in this folder.

Run from anywhere with LibreOffice (``soffice``) on PATH and the app's dependencies installed:
``python tests/data/office/make_fixtures.py``. Each file is written by a real producer:
LibreOffice (headless) from sources written here, or the format's own Python library where
LibreOffice cannot make the feature (explicit page breaks, comments, speaker notes), or
Python's email package for mail. README.md lists what each file holds.
"""

from __future__ import annotations

import email.policy
import mailbox
import os
import shutil
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
import pptx
from docx.enum.text import WD_BREAK
from pptx.util import Inches

HERE = Path(__file__).resolve().parent

FILLER = (
    "The harbour board meets on the first Monday of each month to review dredging, "
    "pilotage and berth allocation. Minutes are circulated to members within a week, and "
    "objections raised after that are carried to the following meeting. "
)


def soffice(source: Path, target_format: str, out_dir: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--convert-to", target_format, "--outdir",
                    str(out_dir), str(source)], check=True, capture_output=True, timeout=180)
    produced = out_dir / f"{source.stem}.{target_format.split(':')[0]}"
    assert produced.exists(), produced
    return produced


def word_report(path: Path) -> None:
    """python-docx: explicit page breaks, a table, a comment, header and footer, a list."""
    doc = docx.Document()
    doc.core_properties.title = "Harbour Survey"
    doc.core_properties.author = "Mira Okafor"
    section = doc.sections[0]
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].text = "Port Authority internal"
    section.footer.is_linked_to_previous = False
    section.footer.paragraphs[0].text = "Printed for the board"
    doc.add_heading("Harbour survey", level=1)
    intro = doc.add_paragraph("This survey covers the east basin and the old quay.")
    doc.add_comment(intro.runs, text="Check the basin names with the harbour master",
                    author="Lena Varga")
    doc.add_paragraph("Sounding the channel", style="List Bullet")
    doc.add_paragraph("Counting the moorings", style="List Bullet")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Duties", level=2)
    doc.add_paragraph("The duties of the quay staff are listed below.")
    table = doc.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("Duty", "Who", "How often"),
                                       ("Inspect cormorant nests on the fog signal tower",
                                        "Tobias Brennan", "every spring"),
                                       ("Grease the swing bridge", "Ada Lind", "monthly")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Budget", level=2)
    doc.add_paragraph(FILLER * 3)
    doc.save(path)


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta><dc:title>Tide Notes</dc:title><meta:initial-creator>Jonas Pike</meta:initial-creator></office:meta>
 <office:master-styles><style:master-page style:name="Standard">
  <style:header><text:p>Tide office, north pier</text:p></style:header>
 </style:master-page></office:master-styles>
 <office:body><office:text>
  <text:h text:outline-level="1">Tide notes</text:h>
  <text:p>Spring tides this year peaked in late March.<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Gauge readings were taken at the lifeboat slipway.</text:p></text:note-body></text:note></text:p>
  <text:list><text:list-item><text:p>Check the tide gauge daily</text:p></text:list-item>
   <text:list-item><text:p>Log the storm surges</text:p></text:list-item></text:list>
  <table:table table:name="Readings"><table:table-column table:number-columns-repeated="2"/>
   <table:table-row><table:table-cell><text:p>Month</text:p></table:table-cell><table:table-cell><text:p>Highest water</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell><text:p>March</text:p></table:table-cell><table:table-cell><text:p>6.1 metres at the salt marsh sluice</text:p></table:table-cell></table:table-row>
  </table:table>
  %s
  <text:p>The eel fishermen asked for the sluice gates to stay open through October.</text:p>
 </office:text></office:body></office:document>
"""


def word_notes(work: Path) -> None:
    """LibreOffice from flat ODT: footnote, list, table, header; long enough for sections."""
    filler = "\n".join(f"<text:p>{FILLER}</text:p>" for _ in range(14))
    source = work / "tide-notes.fodt"
    source.write_text(FODT % filler, encoding="utf-8")
    for fmt in ("odt", "docx", "rtf"):
        shutil.copy(soffice(source, fmt, work), HERE / f"tide-notes.{fmt}")
    for fmt, name in (("doc", "legacy.doc"),):
        shutil.copy(soffice(source, fmt, work), HERE / name)


FODP = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.3"
 office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:master-styles><style:master-page style:name="Default"/></office:master-styles>
 <office:body><office:presentation><draw:page draw:name="One" draw:master-page-name="Default">
  <draw:frame svg:x="1cm" svg:y="1cm" svg:width="10cm" svg:height="2cm"><draw:text-box>
   <text:p>An old deck</text:p></draw:text-box></draw:frame>
 </draw:page></office:presentation></office:body></office:document>
"""


def deck(path: Path) -> None:
    """python-pptx: titles, bullets, a table, speaker notes."""
    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = "Ferry service review"
    slide.placeholders[1].text = "Winter season"
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    slide.shapes.title.text = "Crossings"
    slide.placeholders[1].text = "Forty crossings a day in summer\nTwelve in winter"
    slide.notes_slide.notes_text_frame.text = (
        "Tell them the timetable is suspended whenever the river freezes over.")
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Fares"
    rows = [("Ticket", "Price"), ("Foot passenger", "3 euros"), ("Bicycle", "1 euro")]
    shape = slide.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            shape.table.cell(r, c).text = value
    prs.save(path)


def workbook(path: Path) -> None:
    """openpyxl: two sheets with header rows, an empty row, a formula, an error value."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Summary"
    sheet.append(["Year", "Total"])
    sheet.append([2024, 18250])
    sheet.append([])
    sheet.append([2025, "=B2*2"])
    sheet = book.create_sheet("Suppliers")
    sheet.append(["Supplier", "Item", "Amount", "Notes"])
    sheet.append(["Northwind Ropes", "mooring lines", 4200.5, "delivered late after the storm"])
    sheet.append(["Baltic Paints", "anti-fouling paint", 980, "#DIV/0!"])
    book.save(path)


def pdf_attachment(work: Path) -> Path:
    source = work / "permit.fodt"
    body = ("<text:h text:outline-level=\"1\">Dredging permit</text:h><text:p>The permit to "
            "dredge the inner basin expires on 14 March; renewal needs a fresh survey of the "
            "seabed sediment.</text:p>")
    source.write_text(FODT.split("<office:body>")[0].replace("Tide Notes", "Dredging permit")
                      .replace("Tide office, north pier", "Harbour office")
                      + f"<office:body><office:text>{body}</office:text></office:body>"
                        "</office:document>", encoding="utf-8")
    return soffice(source, "pdf", work)


def mails(work: Path) -> None:
    """Python's email package: a message with a PDF attached, and a three-message mailbox."""
    pdf = pdf_attachment(work)
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = "Permit paperwork"
    msg["From"] = "Mira Okafor <mira@harbour.example>"
    msg["To"] = "Board <board@harbour.example>"
    msg["Date"] = "Tue, 04 Feb 2025 09:30:00 +0100"
    msg.set_content("Hello all,\n\nthe permit is attached. Please read it before Monday.\n")
    msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf",
                       filename="permit.pdf")
    (HERE / "permit.eml").write_bytes(msg.as_bytes())

    box_path = HERE / "board.mbox"
    box_path.unlink(missing_ok=True)
    box = mailbox.mbox(str(box_path))
    for i, (subject, body, html) in enumerate([
        ("Agenda", "The agenda for Monday: moorings, fees, dredging.", False),
        ("Lighthouse lamp", "<html><body><p>The lighthouse lamp was replaced with an LED "
                            "unit that is visible for twenty nautical miles.</p></body></html>",
         True),
        ("Minutes", "Minutes of the last meeting are in the shared folder.", False),
    ], 1):
        m = EmailMessage()
        m["Subject"] = subject
        m["From"] = "secretary@harbour.example"
        m["To"] = "board@harbour.example"
        m["Date"] = f"Mon, 0{i} Dec 2024 10:00:00 +0000"
        if html:
            m.set_content(body, subtype="html")
        else:
            m.set_content(body)
        box.add(m)
    box.flush()
    box.close()


PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Otter count</title>
<style>nav { color: grey }</style><script>var tracking = "menu";</script></head><body>
<header><a href="/">Coastal Trust</a> <nav><a href="/donate">Donate to the trust</a>
<a href="/shop">Gift shop opening hours</a></nav></header>
<div class="cookie-banner">We use cookies to remember your basket.</div>
<main><h1>Otter count</h1>
<p>Volunteers counted thirty-one sea otters along the kelp beds south of the breakwater.</p>
<p>Pups were seen in April, earlier than in any year since records began.</p></main>
<aside>Related: volunteer parking permits</aside>
<footer>Copyright Coastal Trust. Newsletter sign-up.</footer></body></html>
"""


def web() -> None:
    """Hand-written HTML with menus, banner and footer; a web archive of it (MIME related)."""
    (HERE / "otters.html").write_text(PAGE, encoding="utf-8")
    archive = EmailMessage()
    archive["Subject"] = "Otter count"
    archive["Snapshot-Content-Location"] = "https://trust.example/otters"
    archive.make_related()
    archive.add_related(PAGE, subtype="html", charset="utf-8")
    (HERE / "otters.mhtml").write_bytes(archive.as_bytes())


def main() -> None:
    os.environ.setdefault("HOME", tempfile.gettempdir())  # LibreOffice needs a profile folder
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        word_report(HERE / "harbour-report.docx")
        word_notes(work)
        deck(HERE / "ferry-deck.pptx")
        shutil.copy(soffice(HERE / "ferry-deck.pptx", "odp", work), HERE / "ferry-deck.odp")
        old_deck = work / "old-deck.fodp"
        old_deck.write_text(FODP, encoding="utf-8")  # a deck without masters: a small .ppt
        shutil.copy(soffice(old_deck, "ppt", work), HERE / "legacy.ppt")
        workbook(HERE / "accounts.xlsx")
        shutil.copy(soffice(HERE / "accounts.xlsx", "ods", work), HERE / "accounts.ods")
        shutil.copy(soffice(HERE / "accounts.xlsx", "xls", work), HERE / "legacy.xls")
        mails(work)
        web()
        import msoffcrypto.format.ooxml as ooxml  # encrypts as Office does (ECMA-376 agile)

        with open(HERE / "harbour-report.docx", "rb") as plain, \
                open(HERE / "encrypted.docx", "wb") as locked:
            ooxml.OOXMLFile(plain).encrypt("harbour", locked)


if __name__ == "__main__":
    main()
