"""The word-processing family: Word (.docx .docm .dotx), OpenDocument text (.odt .ott), RTF.

A page is a printed page where the file records its page breaks (Word's explicit breaks and
``w:lastRenderedPageBreak``, LibreOffice's soft page breaks and break-before styles), else a
section of about one printed page (:data:`SECTION_CHARS`), cut at paragraph ends; which of the
two a file gets is ``containers.records_page_breaks``, so the result line names it rightly.
Numbers count every page, so a blank page 2 leaves page 3 as page 3.

Read: headings, paragraphs, lists, tables (one "cell | cell" line per row), footnotes and
endnotes and comments (at the end of the page that cites them), text boxes, headers and
footers, and the title and author where recorded (at the top of page 1).

Headings (Word's heading styles and outline levels, OpenDocument's ``text:h``) give each page
its heading paths; the title is the one recorded in the file's properties, else its first
"Title" paragraph (Word) or first heading (``desktop_app.extract.headings``).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.extract import odf
from desktop_app.extract.containers import (
    odf_breaks_recorded,
    open_package,
    read_part,
    word_breaks_recorded,
)
from desktop_app.extract.files import open_regular, read_at_most
from desktop_app.extract.headings import clean_title, place_headings
from desktop_app.extract.pages import ExtractionError, Page
from desktop_app.extract.text import normalise
from desktop_app.extract.word_styles import word_heading_levels

#: About one printed page of prose: the size of a section where no page breaks are recorded.
SECTION_CHARS = 3000
_SYMBOL_FONT = re.compile("[\uf020-\uf0ff]")
#: RTF read from one file, at most (its pictures are hex text, so RTF files run large).
MAX_RTF_BYTES = 64 * 1024 * 1024

_BREAK = object()  # a page break between blocks
_FORM_FEED = "\f"  # a page break inside a paragraph's text, split out afterwards


@dataclass
class _Block:
    text: str
    notes: list[str] = field(default_factory=list)
    #: a heading's level (1 outermost); 0 for a "Title" paragraph; None for body text
    level: int | None = None


def _placed(pages: list[Page], blocks: list[Any], recorded_title: str) -> list[Page]:
    """Pages with their heading paths, and the title: the recorded one, else the first
    "Title" paragraph, else the first heading."""
    marked = [b for b in blocks if isinstance(b, _Block) and b.level is not None
              and b.text.strip()]
    headings = [(b.level, None, b.text) for b in marked if b.level]
    title = (clean_title(recorded_title)
             or next((clean_title(b.text) for b in marked if b.level == 0), None)
             or next((clean_title(t) for _, _, t in headings), None))
    return place_headings(pages, headings, title)


def extract(path: Path) -> list[Page]:
    suffix = path.suffix.lower()
    if suffix in {".odt", ".ott"}:
        return _odt(path)
    if suffix in {".rtf", ".doc"}:
        return _rtf(path)
    return _docx(path)


# -- shared: blocks → pages -------------------------------------------------------------------
def _paginate(head: list[str], blocks: list[Any], paged: bool) -> list[Page]:
    groups: list[list[_Block]] = [[]]
    if paged:
        for block in blocks:
            if block is _BREAK:
                groups.append([])
            else:
                groups[-1].append(block)
    else:
        size = 0
        for block in blocks:
            if block is _BREAK:
                continue
            if groups[-1] and size + len(block.text) > SECTION_CHARS:
                groups.append([])
                size = 0
            groups[-1].append(block)
            size += len(block.text) + 2
    pages = []
    for number, group in enumerate(groups, 1):
        parts = [*head] if number == 1 else []
        parts += [b.text for b in group if b.text.strip()]
        notes = [n for b in group for n in b.notes if n.strip()]
        if notes:
            parts.append("\n".join(notes))
        text = normalise("\n\n".join(parts))
        if text:
            pages.append(Page(number, text))
    if not pages:
        raise ExtractionError("skipped", "no text")
    return pages


def _split_breaks(text: str, notes: list[str]) -> list[Any]:
    """A paragraph's text with form feeds for page breaks → blocks and breaks."""
    pieces = text.split(_FORM_FEED)
    out: list[Any] = []
    for i, piece in enumerate(pieces):
        if i:
            out.append(_BREAK)
        out.append(_Block(piece))
    out[-1].notes.extend(notes)
    return out


def _head(title: str, author: str, extra: list[str]) -> list[str]:
    lines = [f"Title: {title}" if title else "", f"Author: {author}" if author else ""]
    head = ["\n".join(x for x in lines if x)] if title or author else []
    return head + [x for x in extra if x.strip()]


# -- Word -------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED_W = frozenset({f"{_W}{t}" for t in ("del", "delText", "instrText", "pPr", "rPr",
                                             "sectPr", "moveFrom")} | {_MC_FALLBACK})


#: Main parts of macro-enabled documents and templates: the same markup as a .docx.
_WORD_MAIN_TYPES = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


def _word_document(fh: Any) -> Any:
    """python-docx's Document for .docx, .docm and .dotx alike (``docx.Document`` itself
    refuses all but .docx by the main part's content type)."""
    from docx.opc.part import PartFactory
    from docx.package import Package
    from docx.parts.document import DocumentPart

    for content_type in _WORD_MAIN_TYPES:
        PartFactory.part_type_for.setdefault(content_type, DocumentPart)
    part = Package.open(fh).main_document_part
    if not isinstance(part, DocumentPart):
        raise ExtractionError("failed", "not a Word document (its main part is something else)")
    return part.document


def _docx(path: Path) -> list[Page]:
    with open_regular(path) as fh:
        package = open_package(fh, "Word")
        body_xml = read_part(package, "word/document.xml", "Word")
        paged = word_breaks_recorded(body_xml)
        fh.seek(0)
        try:
            document = _word_document(fh)
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ExtractionError("failed", f"damaged Word file: {exc}") from None
        except Exception as exc:  # python-docx's own errors for a package that is not Word
            if type(exc).__module__.startswith("docx"):
                raise ExtractionError("failed", f"not a Word document: {exc}") from None
            raise
        notes = _word_notes(document)
        blocks = _word_blocks(document.element.body, notes, word_heading_levels(document))
        props = document.core_properties
        title = (props.title or "").strip()
        head = _head(title, (props.author or "").strip(), _word_headers(document))
    return _placed(_paginate(head, blocks, paged), blocks, title)


class _Notes:
    """Footnotes, endnotes and comments by (kind, id); footnotes and endnotes are numbered
    as the document shows them, in the order they are first cited."""

    def __init__(self, texts: dict[tuple[str, str], str]) -> None:
        self.texts = texts
        self.numbers: dict[tuple[str, str], int] = {}

    def cite(self, kind: str, note_id: str) -> str | None:
        text = self.texts.get((kind, note_id))
        if text is None or kind == "comment":
            return text
        key = (kind, note_id)
        if key not in self.numbers:
            self.numbers[key] = 1 + sum(1 for other, _ in self.numbers if other == kind)
        return f"[{self.numbers[key]}] {text}"


def _word_notes(document: Any) -> _Notes:
    """Footnotes, endnotes and comments of the document."""
    from docx.oxml import parse_xml

    found: dict[tuple[str, str], str] = {}
    for part in document.part.package.iter_parts():
        name = str(part.partname)
        kind = {"/word/footnotes.xml": "footnote", "/word/endnotes.xml": "endnote",
                "/word/comments.xml": "comment"}.get(name)
        if kind is None:
            continue
        root = parse_xml(part.blob)
        for note in root.iterchildren(f"{_W}{kind}"):
            note_id = note.get(f"{_W}id", "")
            paragraphs = (_word_inline(p, [], _Notes({})) for p in note.iter(f"{_W}p"))
            text = " ".join(t for t in paragraphs if t.strip()).strip()
            if not text:
                continue
            if kind == "comment":
                author = note.get(f"{_W}author", "")
                text = f"Comment ({author}): {text}" if author else f"Comment: {text}"
            found[(kind, note_id)] = text
    return _Notes(found)


def _word_blocks(container: Any, notes: _Notes,
                 levels: dict[str, int] | None = None) -> list[Any]:
    blocks: list[Any] = []
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            blocks.extend(_word_paragraph(child, notes, levels or {}))
        elif tag == f"{_W}tbl":
            rows = _word_table(child, notes)
            if rows:
                blocks.append(_Block("\n".join(rows)))
        elif tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins"):
            blocks.extend(_word_blocks(child, notes, levels))
    return blocks


def _word_paragraph(p: Any, notes: _Notes, levels: dict[str, int]) -> list[Any]:
    cited: list[str] = []
    text = _word_inline(p, cited, notes)
    ppr = p.find(f"{_W}pPr")
    prefix = ""
    before: list[Any] = []
    level = None
    if ppr is not None:
        if ppr.find(f"{_W}pageBreakBefore") is not None:
            before.append(_BREAK)
        style = ppr.find(f"{_W}pStyle")
        if style is not None:
            level = levels.get(style.get(f"{_W}val", ""))
        outline = ppr.find(f"{_W}outlineLvl")
        if outline is not None and outline.get(f"{_W}val", "").isdigit():
            direct = int(outline.get(f"{_W}val")) + 1
            level = direct if direct <= 9 else None
        if ppr.find(f"{_W}numPr") is not None or (
                style is not None and style.get(f"{_W}val", "").startswith("List")):
            prefix = "• "  # numbered directly, or by a list style ("List Bullet")
    blocks = _split_breaks(text, cited)
    if prefix and isinstance(blocks[0], _Block) and blocks[0].text.strip():
        blocks[0].text = prefix + blocks[0].text
    if level is not None:
        for block in blocks:
            if isinstance(block, _Block) and block.text.strip():
                block.level = level
                break
    return before + blocks


def _word_inline(element: Any, cited: list[str], notes: _Notes) -> str:
    parts: list[str] = []
    boxes: list[str] = []
    for node in _walk(element):
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append(_FORM_FEED if node.get(f"{_W}type") == "page" else "\n")
        elif tag == f"{_W}lastRenderedPageBreak":
            parts.append(_FORM_FEED)
        elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference",
                     f"{_W}commentReference"):
            kind = tag[len(_W):].removesuffix("Reference")
            note = notes.cite(kind, node.get(f"{_W}id", ""))
            if note:
                cited.append(note)
        elif tag == f"{_W}txbxContent":
            boxes.extend(_word_inline(p, cited, notes) for p in node.iter(f"{_W}p"))
    text = "".join(parts)
    box_text = "\n".join(b for b in boxes if b.strip())
    return f"{text}\n{box_text}" if box_text else text


def _walk(element: Any):
    """Descendants in document order, minus deleted text, field codes, fallbacks (which
    repeat a text box's text) and the insides of text boxes (walked on their own)."""
    for child in element.iterchildren():
        if not isinstance(child.tag, str) or child.tag in _SKIPPED_W:
            continue
        yield child
        if child.tag != f"{_W}txbxContent":
            yield from _walk(child)


def _word_table(tbl: Any, notes: _Notes) -> list[str]:
    rows = []
    for tr in tbl.iterchildren(f"{_W}tr"):
        cells = []
        for tc in tr.iterchildren(f"{_W}tc"):
            texts = []
            for child in tc.iterchildren():
                if child.tag == f"{_W}p":
                    texts.append(_word_inline(child, [], notes).replace(_FORM_FEED, " "))
                elif child.tag == f"{_W}tbl":
                    texts.extend(_word_table(child, notes))
            cells.append(" ".join(t.strip() for t in texts if t.strip()))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _word_headers(document: Any) -> list[str]:
    seen: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            if part.is_linked_to_previous:
                continue
            blocks = _word_blocks(part._element, _Notes({}))
            text = "\n".join(b.text.replace(_FORM_FEED, " ") for b in blocks
                             if b is not _BREAK and b.text.strip())
            if text and text not in seen:
                seen.append(text)
    return seen


# -- OpenDocument text ------------------------------------------------------------------------
def _odt(path: Path) -> list[Page]:
    with open_regular(path) as fh:
        package = open_package(fh, "OpenDocument text")
        kind = "OpenDocument text"
        raw = read_part(package, "content.xml", kind)
        paged = odf_breaks_recorded(raw)
        content = odf.parse_part(package, "content.xml", kind)
        breaks = _odf_break_styles(content)
        blocks = _odf_blocks(odf.body(content, "text", kind), breaks)
        title, author = odf.metadata(package, kind)
        styles = odf.optional_part(package, "styles.xml", kind)
    extra = []
    if styles is not None:
        for tag in ("style:header", "style:footer"):
            for hf in styles.iter(odf.q(tag)):
                text = "\n".join(t for t in odf.block_texts(hf) if t)
                if text and text not in extra:
                    extra.append(text)
    return _placed(_paginate(_head(title, author, extra), blocks, paged), blocks, title)


def _odf_break_styles(content: Any) -> dict[str, tuple[bool, bool]]:
    """Automatic paragraph style → (page break before, page break after)."""
    out = {}
    for style in content.iter(odf.q("style:style")):
        props = style.find(odf.q("style:paragraph-properties"))
        if props is None:
            continue
        before = props.get(odf.q("fo:break-before")) == "page"
        after = props.get(odf.q("fo:break-after")) == "page"
        if before or after:
            out[style.get(odf.q("style:name"), "")] = (before, after)
    return out


_SOFT_BREAK = odf.q("text:soft-page-break")


def _odf_blocks(container: Any, breaks: dict[str, tuple[bool, bool]],
                prefix: str = "") -> list[Any]:
    blocks: list[Any] = []
    for child in container:
        tag = child.tag
        if tag in (odf.P, odf.H):
            before, after = breaks.get(child.get(odf.q("text:style-name"), ""), (False, False))
            notes: list[str] = []
            for soft in child.iter(_SOFT_BREAK):  # a page that breaks inside the paragraph
                soft.tail = _FORM_FEED + (soft.tail or "")
            text = odf.inline_text(child, notes)
            if before:
                blocks.append(_BREAK)
            split = _split_breaks(prefix + text if text.strip() else text, notes)
            if tag == odf.H and text.strip():
                level = child.get(odf.q("text:outline-level"), "1")
                first = next(b for b in split if isinstance(b, _Block))
                first.level = int(level) if level.isdigit() and int(level) > 0 else 1
            blocks.extend(split)
            if after:
                blocks.append(_BREAK)
        elif tag == _SOFT_BREAK:
            blocks.append(_BREAK)
        elif tag == odf.q("text:list"):
            for item in child:
                blocks.extend(_odf_blocks(item, breaks, "• "))
        elif tag == odf.TABLE:
            rows = [" | ".join(" ".join(c.split("\n")) for c in row)
                    for row in odf.table_rows(child)]
            if rows:
                blocks.append(_Block("\n".join(rows)))
        elif tag == odf.FRAME:
            blocks.extend(_Block(t) for t in odf.block_texts(child) if t)
        elif tag not in (odf.q("text:tracked-changes"), odf.q("text:sequence-decls"),
                         odf.q("office:forms")):
            blocks.extend(_odf_blocks(child, breaks, prefix))  # sections, indexes, …
    return blocks


# -- RTF --------------------------------------------------------------------------------------

def _rtf(path: Path) -> list[Page]:
    from striprtf.striprtf import rtf_to_text

    with open_regular(path) as fh:
        data = read_at_most(fh, MAX_RTF_BYTES + 1)
    if not data.strip():
        raise ExtractionError("skipped", "empty file")
    if not data.lstrip().startswith(b"{\\rtf"):
        if path.suffix.lower() == ".doc":
            raise ExtractionError("skipped", "Word 97–2003 format: save it as .docx to search it")
        raise ExtractionError("failed", "damaged RTF file: it does not begin with {\\rtf")
    note = None
    if len(data) > MAX_RTF_BYTES:
        data = data[:MAX_RTF_BYTES]
        note = f"only its first {MAX_RTF_BYTES // (1024 * 1024)} MB were read"
    # RTF is 7-bit text whose other characters are escapes; latin-1 maps bytes one to one.
    text = rtf_to_text(data.decode("latin-1"), errors="ignore")
    # List bullets come out as Symbol-font characters in the private use area.
    text = _SYMBOL_FONT.sub("•", text)
    paragraphs = [_Block(p) for p in re.split(r"\n\s*\n|\n", text)]
    pages = _paginate([], paragraphs, paged=False)
    if note:
        pages[-1] = Page(pages[-1].number, pages[-1].text, note)
    return pages
