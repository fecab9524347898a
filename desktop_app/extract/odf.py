"""OpenDocument XML (.odt, .odp, .ods): the parts, the text of an element, the metadata.

Read with the standard library's ElementTree from the zip package (opened by
``containers.open_package``): OpenDocument keeps its text in ``content.xml``, headers and
footers in ``styles.xml`` and title and author in ``meta.xml``. The families that read the
three kinds walk the trees themselves; this module owns what they share.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from desktop_app.extract.containers import read_part
from desktop_app.extract.pages import ExtractionError

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}


def q(name: str) -> str:
    """``"text:p"`` → ElementTree's ``"{urn:…text:1.0}p"``."""
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


P, H, SPAN, S, TAB, LINE_BREAK = q("text:p"), q("text:h"), q("text:span"), q("text:s"), \
    q("text:tab"), q("text:line-break")
NOTE, NOTE_BODY, NOTE_CITATION = q("text:note"), q("text:note-body"), q("text:note-citation")
ANNOTATION, ANNOTATION_END = q("office:annotation"), q("office:annotation-end")
TABLE, ROW, CELL, COVERED = q("table:table"), q("table:table-row"), q("table:table-cell"), \
    q("table:covered-table-cell")
FRAME, TEXT_BOX = q("draw:frame"), q("draw:text-box")
#: Columns one cell's repeat count may stand for (a sheet's rest-of-row filler says 16,384).
_MAX_REPEAT = 1024
# Not text of the document: deletions kept for change tracking, form controls, and fields
# whose shown value is a layout artefact (the page number in a header or on a notes page).
_SKIPPED = frozenset({q("text:tracked-changes"), q("office:forms"), q("text:sequence-decls"),
                      q("office:annotation-end"), q("text:page-number"), q("text:page-count")})


def parse_part(package: zipfile.ZipFile, name: str, kind: str) -> ElementTree.Element:
    data = read_part(package, name, kind)
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        if _encrypted(package):
            raise ExtractionError("skipped", "encrypted (password required)") from None
        raise ExtractionError("failed", f"damaged {kind} file: {name}: {exc}") from None


def _encrypted(package: zipfile.ZipFile) -> bool:
    """A password-protected OpenDocument file is a zip whose parts are encrypted; its
    manifest says so, for each part, with encryption-data."""
    try:
        return b"encryption-data" in package.read("META-INF/manifest.xml")
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return False


def optional_part(package: zipfile.ZipFile, name: str, kind: str) -> ElementTree.Element | None:
    if name not in package.namelist():
        return None
    try:
        return parse_part(package, name, kind)
    except ExtractionError:
        return None  # a broken styles.xml or meta.xml costs its headers or title, not the text


def body(content: ElementTree.Element, kind_tag: str, kind: str) -> ElementTree.Element:
    """``office:body/office:<kind_tag>`` (text, presentation, spreadsheet)."""
    found = content.find(f"{q('office:body')}/{q('office:' + kind_tag)}")
    if found is None:
        raise ExtractionError("failed", f"damaged {kind} file: no {kind_tag} body in it")
    return found


def inline_text(element: ElementTree.Element, notes: list[str] | None = None) -> str:
    """The text of a paragraph-like element: spaces (text:s), tabs and line breaks kept;
    footnotes and comments inside it go to ``notes`` (if given) instead of the running text."""
    parts: list[str] = []
    _inline(element, parts, notes)
    return "".join(parts)


def _inline(element: ElementTree.Element, parts: list[str], notes: list[str] | None) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if tag == S:
            parts.append(" " * int(child.get(q("text:c"), "1") or 1))
        elif tag == TAB:
            parts.append("\t")
        elif tag == LINE_BREAK:
            parts.append("\n")
        elif tag == NOTE:
            citation = child.find(NOTE_CITATION)
            mark = (citation.text or "").strip() if citation is not None else ""
            note_body = child.find(NOTE_BODY)
            if notes is not None and note_body is not None:
                text = " ".join(t for t in block_texts(note_body) if t)
                notes.append(f"[{mark}] {text}" if mark else text)
        elif tag == ANNOTATION:
            if notes is not None:
                author = child.findtext(q("dc:creator")) or ""
                text = " ".join(inline_text(p) for p in child.iter(P))
                notes.append(f"Comment ({author}): {text}" if author else f"Comment: {text}")
        elif tag == FRAME:
            # A text box anchored in the paragraph: its text follows the paragraph's.
            if notes is not None:
                notes.extend(t for t in block_texts(child) if t)
        elif tag not in _SKIPPED:
            _inline(child, parts, notes)
        if child.tail:
            parts.append(child.tail)


def block_texts(element: ElementTree.Element) -> Iterator[str]:
    """The paragraphs and headings under ``element``, each as its text, in order."""
    for node in element.iter():
        if node.tag in (P, H):
            yield inline_text(node).strip()


def table_rows(table: ElementTree.Element, max_cells: int | None = None) -> Iterator[list[str]]:
    """The rows of a table as lists of cell texts; repeated rows and columns (how ODF stores
    runs of identical cells) expand only while they carry text, so a sheet that formats a
    million empty rows costs nothing."""
    cells_seen = 0
    for row in table.iter(ROW):
        repeat_rows = int(row.get(q("table:number-rows-repeated"), "1") or 1)
        cells: list[str] = []
        for cell in row:
            if cell.tag not in (CELL, COVERED):
                continue
            repeat = int(cell.get(q("table:number-columns-repeated"), "1") or 1)
            text = "\n".join(t for t in block_texts(cell) if t)
            if not text:
                value = cell.get(q("office:value")) or cell.get(q("office:date-value")) or ""
                text = value
            cells.extend([text] * min(repeat, _MAX_REPEAT))
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        for _ in range(min(repeat_rows, 1000)):
            cells_seen += len(cells)
            if max_cells is not None and cells_seen > max_cells:
                return
            yield cells


def metadata(package: zipfile.ZipFile, kind: str) -> tuple[str, str]:
    """(title, author) from meta.xml; empty strings where not recorded."""
    meta = optional_part(package, "meta.xml", kind)
    if meta is None:
        return "", ""
    title = (meta.findtext(f".//{q('dc:title')}") or "").strip()
    author = (meta.findtext(f".//{q('meta:initial-creator')}")
              or meta.findtext(f".//{q('dc:creator')}") or "").strip()
    return title, author
