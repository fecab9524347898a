"""The text family: plain text, markup, data and source files, read as one page.

Owns decoding bytes of unknown encoding, telling text from binary, reducing HTML to its
visible text, and :func:`normalise`: the clean-up that every family applies to a page's text
before returning it, so that character offsets always refer to the normalised text.
"""

from __future__ import annotations

import codecs
import os
import re
from html.parser import HTMLParser
from pathlib import Path

from desktop_app.extract import ExtractionError, Page
from desktop_app.extract.files import open_regular, read_at_most
from desktop_app.extract.headings import mark_headings
from desktop_app.extract.markdown import MARKDOWN_SUFFIXES, markdown_headings, markdown_title

MAX_TEXT_BYTES = 8 * 1024 * 1024
"""Text indexed from one file, at most. Which files are too large to look at is the library's
size setting; past this much, the start of the file is indexed and the rest left out, because
a 60 MB log tokenized and chunked whole took 1.7 GB and handed a 238 MB result across (its
first 8 MB: 424 MB at peak in the extraction process, a 28 MB result, 7 s)."""
_CUT_SEARCH = 64 * 1024  # how far back from the limit a line end is looked for

# The registry routes these here too; they get their markup stripped.
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

_SNIFF_BYTES = 8192
# Share of control characters in the first _SNIFF_BYTES characters above which a file is
# binary. Real text has almost none; latin-1 decoded random bytes have about a quarter.
_MAX_CONTROL_SHARE = 0.05

# Longest BOMs first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Tabs, newlines and the line-ish controls (form feed, vertical tab, CR) are layout, and ESC
# appears in coloured logs; every other C0/C1 control suggests binary data.
_LAYOUT_CONTROLS = frozenset("\t\n\r\f\v\x1b")
_CONTROLS = frozenset(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)])
_BINARY_HINTS = _CONTROLS - _LAYOUT_CONTROLS

# normalise() runs on every page indexed, so it uses only C-speed passes: str methods and
# regexes made of one character class, which are several times faster than str.translate
# with a table or regexes with alternatives or lookahead.
_OTHER_LINE_BREAKS = re.compile(r"[\r\f\v\u2028\u2029]")
_DROPPED_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """Return ``text`` with \\n line ends, no control characters except tab and newline,
    no trailing spaces on lines, at most one blank line in a row, and no blank edges."""
    text = _OTHER_LINE_BREAKS.sub("\n", text.replace("\r\n", "\n"))
    text = _DROPPED_CONTROLS.sub("", text)
    text = "\n".join([line.rstrip() for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


def extract(path: Path, *, max_bytes: int | None = None) -> list[Page]:
    """Read ``path`` as text and return it as one page with number ``None``.

    ``max_bytes``: refuse a larger file as too large (the library checks its size setting
    before reading, so it passes none). At most ``MAX_TEXT_BYTES`` are read either way.
    """
    with open_regular(path) as fh:
        # Reading one byte past the limit tells "too large" or "cut" without trusting a stat
        # that a growing file (a live log) may already have outrun.
        limit = MAX_TEXT_BYTES if max_bytes is None else min(max_bytes, MAX_TEXT_BYTES)
        data = read_at_most(fh, limit + 1)
        if max_bytes is not None and len(data) > max_bytes:
            size = max(len(data), os.fstat(fh.fileno()).st_size)
            raise ExtractionError("skipped",
                                  f"too large ({_mb(size)} MB; limit {_mb(max_bytes)} MB)")
    note = None
    if len(data) > MAX_TEXT_BYTES:
        data = _cut(data, MAX_TEXT_BYTES)
        note = f"only its first {_amount(MAX_TEXT_BYTES)} of text were indexed"

    text = decode(data)
    if note:
        text = text.rstrip("\ufffd")  # a character the cut split in two
    if path.suffix.lower() in HTML_SUFFIXES:
        text = html_to_text(text)
    text = normalise(text)
    if not text.strip():
        raise ExtractionError("skipped", "empty file")
    page = Page(number=None, text=text, note=note)
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        headings = markdown_headings(text)
        page = mark_headings(page, headings, markdown_title(headings))
    return [page]


def _cut(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes or fewer, ending at a line end when there is one nearby, else
    not inside a UTF-8 sequence (so the start still decodes as what the whole would)."""
    end = data.rfind(b"\n", max(0, limit - _CUT_SEARCH), limit)
    if end != -1:
        return data[: end + 1]
    end = limit
    back = 0
    while back < 3 and end - back > 0 and 0x80 <= data[end - back - 1] < 0xC0:
        back += 1
    if end - back > 0 and data[end - back - 1] >= 0xC0:
        end = end - back - 1
    return data[:end]


def decode(data: bytes) -> str:
    """Decode bytes of unknown encoding, or raise "binary content" if they are not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="replace")
            break
    else:
        if b"\x00" in data[:_SNIFF_BYTES]:
            encoding = _utf16_by_nuls(data[:_SNIFF_BYTES])
            if encoding is None:
                raise _binary()
            text = data.decode(encoding, errors="replace")
        else:
            text = _decode_without_bom(data)
    sample = text[:_SNIFF_BYTES]
    if sample and sum(c in _BINARY_HINTS for c in sample) > _MAX_CONTROL_SHARE * len(sample):
        raise _binary()
    return text


def _utf16_by_nuls(sample: bytes) -> str | None:
    """UTF-16 without a BOM, told by where its NULs fall: text mostly in Latin script has a
    NUL as the high byte of nearly every character (odd offsets in LE, even in BE), while
    binary data has NULs scattered over both."""
    even = sample[0::2]
    odd = sample[1::2]
    if len(odd) < 2:
        return None
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    if odd_nuls >= 0.5 * len(odd) and even_nuls <= 0.02 * len(even):
        return "utf-16-le"
    if even_nuls >= 0.5 * len(even) and odd_nuls <= 0.02 * len(odd):
        return "utf-16-be"
    return None


def _decode_without_bom(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _guess_encoding(data)
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # Five bytes are undefined in cp1252; latin-1 maps every byte, so this cannot fail.
        return data.decode("latin-1")


def _guess_encoding(data: bytes) -> str | None:
    # Imported here: it is only needed for the rare file that is neither UTF-8 nor has a BOM.
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # On short Western text charset-normalizer ties cp1252 with cp1250 and friends and may
    # pick the wrong one ("crčme"); among equally good guesses prefer cp1252, the most common.
    for match in matches:
        equally_good = match.chaos <= best.chaos and match.coherence >= best.coherence
        if equally_good and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return best.encoding


def _binary() -> ExtractionError:
    return ExtractionError("skipped", "binary content, not text")


def _amount(size: int) -> str:
    return f"{_mb(size)} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


# <head> is not here: it is tracked apart, because HTML lets <body> close it implicitly.
_SKIPPED_ELEMENTS = frozenset({"script", "style", "template", "noscript", "svg"})
# Separators an element puts around itself, weakest first; neighbouring ones merge into the
# strongest, so "</li><li>" is one line break, not two.
_CELL, _LINE, _PARAGRAPH = "\t", "\n", "\n\n"
_STRENGTH = {"": 0, _CELL: 1, _LINE: 2, _PARAGRAPH: 3}
_SEPARATORS = {
    **dict.fromkeys(("td", "th"), _CELL),
    **dict.fromkeys(
        (
            "body", "caption", "dd", "div", "dt", "figcaption", "html", "li", "summary",
            "tbody", "tfoot", "thead", "title", "tr",
        ),
        _LINE,
    ),
    **dict.fromkeys(
        (
            "address", "article", "aside", "blockquote", "details", "dl", "fieldset", "figure",
            "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav",
            "ol", "p", "pre", "section", "table", "ul",
        ),
        _PARAGRAPH,
    ),
}  # fmt: skip
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


class _HTMLText(HTMLParser):
    """Collects the visible text of an HTML document, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._pending = ""
        self._skip_depth = 0
        self._in_head = False
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            # An unclosed <head> ends where <body> begins.
            self._in_head = False
        elif tag == "head":
            self._in_head = True
        elif tag in _SKIPPED_ELEMENTS:
            self._skip_depth += 1
        elif tag == "pre":
            self._pre_depth += 1
        self._separate(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Overridden so that a self-closed <script/> does not open a skipped region.
        self._separate(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag in _SKIPPED_ELEMENTS and self._skip_depth:
            self._skip_depth -= 1
        elif tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        if tag != "br":
            self._separate(tag)

    def handle_data(self, data: str) -> None:
        if self._skip_depth or self._in_head:
            return
        if not self._pre_depth:
            data = _HTML_SPACE.sub(" ", data)
            if self._pending or not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip(" ")
        if not data:
            return
        if self._pending and self.parts:
            self.parts[-1] = self.parts[-1].rstrip(" ")
            self.parts.append(self._pending)
        self._pending = ""
        self.parts.append(data)

    def _separate(self, tag: str) -> None:
        if self._skip_depth or self._in_head:
            return
        if tag == "br":
            # Unlike a block, each <br> is a line break of its own.
            self.parts.append(self._pending or "\n")
            self._pending = ""
            return
        separator = _SEPARATORS.get(tag, "")
        if _STRENGTH[separator] > _STRENGTH[self._pending]:
            self._pending = separator


def html_to_text(html: str) -> str:
    """The visible text of ``html``: no tags, scripts, styles or head; entities unescaped."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
