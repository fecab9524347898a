"""The web family: saved web pages (.html .htm .xhtml) and web archives (.mhtml .mht).

A file is one page (no number), holding the page's main text: menus, site headers and
footers, sidebars, cookie banners, forms, scripts and styles are left out. Where the page
marks its main content (``<main>``, ``role="main"``, or a single ``<article>``), only that is
kept. Done with the standard library's HTML parser, on top of the text family's HTML-to-text
pass (which keeps one line per block and the spacing rules): it works offline, on any page,
in a bounded time, and never drops the body of a short page as a content-scoring extractor
can.

A web archive (MHTML, what browsers write with "Save as single file") is a MIME message; its
first HTML part is the page.

The main content's ``h1``–``h3`` give the page its heading paths; the title is the page's
``<title>``, else its first ``h1`` (``desktop_app.extract.headings``).
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from pathlib import Path

from desktop_app.extract.files import open_regular, read_at_most
from desktop_app.extract.headings import clean_title, place_headings
from desktop_app.extract.pages import ExtractionError, Page
from desktop_app.extract.text import MAX_TEXT_BYTES, _HTMLText, decode, normalise

_BOILERPLATE_TAGS = frozenset({"nav", "aside", "header", "footer", "form", "button", "select",
                               "dialog", "menu"})
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary",
                                "search", "menu", "menubar", "dialog", "alertdialog"})
# Class or id words that name site furniture rather than content.
_BOILERPLATE_WORDS = frozenset({
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "sidebar",
    "cookie", "cookies", "cookie-banner", "cookie-notice", "consent", "skip-link",
    "site-header", "site-footer", "masthead", "share", "social",
})
# Header and footer inside the content are the article's own (title, byline): kept there.
_PAGE_ONLY = frozenset({"header", "footer"})
_MAIN = re.compile(r"<main\b|\brole\s*=\s*[\"']?main\b", re.IGNORECASE)
_ARTICLE = re.compile(r"<article\b", re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3}


def extract(path: Path) -> list[Page]:
    with open_regular(path) as fh:
        data = read_at_most(fh, MAX_TEXT_BYTES + 1)
    note = None
    if len(data) > MAX_TEXT_BYTES:
        data = data[:MAX_TEXT_BYTES]
        note = f"only its first {MAX_TEXT_BYTES // (1024 * 1024)} MB were indexed"
    if not data.strip():
        raise ExtractionError("skipped", "empty file")
    archived = path.suffix.lower() in {".mhtml", ".mht"}
    page = _archived_page(data) if archived else decode(data)
    parser = _parse(page)
    text = normalise("".join(parser.parts))
    if not text.strip():
        raise ExtractionError("skipped", "no text")
    found = _TITLE.search(page)
    title = clean_title(html.unescape(found.group(1)) if found else None) or next(
        (clean_title(t) for level, t in parser.headings if level == 1), None)
    headings = [(level, None, t) for level, t in parser.headings]
    return place_headings([Page(None, text, note)], headings, title)


def main_text(page: str) -> str:
    """The visible main text of the HTML ``page``: one line per block, boilerplate left out."""
    return "".join(_parse(page).parts)


def _parse(page: str) -> _MainText:
    marked = "main" if _MAIN.search(page) else (
        "article" if len(_ARTICLE.findall(page)) == 1 else None)
    parser = _MainText(marked)
    parser.feed(page)
    parser.close()
    return parser


class _MainText(_HTMLText):
    """The text family's HTML-to-text pass, keeping only the main content."""

    def __init__(self, marked: str | None) -> None:
        super().__init__()
        self._marked = marked  # "main", "article", or None: the whole body is the content
        self._content: tuple[str, int] | None = None  # (tag, nesting) while inside it
        self._dropped: tuple[str, int] | None = None  # (tag, nesting) while inside furniture
        #: the main content's h1-h3 in order: (level, text)
        self.headings: list[tuple[int, str]] = []
        self._heading: tuple[str, list[str]] | None = None  # (tag, its text) while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropped is not None:
            if tag == self._dropped[0]:
                self._dropped = (tag, self._dropped[1] + 1)
        elif self._content is not None and tag == self._content[0]:
            self._content = (tag, self._content[1] + 1)
        elif self._content is None and self._opens_content(tag, attrs):
            self._content = (tag, 1)
        elif self._is_boilerplate(tag, attrs):
            self._dropped = (tag, 1)
        if tag in _HEADING_TAGS and self._keeps():
            self._heading = (tag, [])
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == self._heading[0]:
            heading = " ".join("".join(self._heading[1]).split())
            if heading:
                self.headings.append((_HEADING_TAGS[tag], heading))
            self._heading = None
        if self._dropped is not None:
            if tag == self._dropped[0]:
                depth = self._dropped[1] - 1
                self._dropped = (tag, depth) if depth else None
        elif self._content is not None and tag == self._content[0]:
            depth = self._content[1] - 1
            self._content = (tag, depth) if depth else None
        super().handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._keeps():
            if self._heading is not None:
                self._heading[1].append(data)
            super().handle_data(data)

    def _separate(self, tag: str) -> None:
        if self._keeps():
            super()._separate(tag)

    def _keeps(self) -> bool:
        if self._dropped is not None:
            return False
        return self._marked is None or self._content is not None

    def _opens_content(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if self._marked == "main":
            return tag == "main" or dict(attrs).get("role") == "main"
        return self._marked == "article" and tag == "article"

    def _is_boilerplate(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in ("br", "hr", "img", "input", "meta", "link"):
            return False  # empty elements have no end tag to close a dropped region
        inside = self._content is not None
        if tag in _BOILERPLATE_TAGS and not (inside and tag in _PAGE_ONLY):
            return True
        values = dict(attrs)
        if "hidden" in values or values.get("aria-hidden") == "true":
            return True
        if (values.get("role") or "") in _BOILERPLATE_ROLES:
            return True
        words = f"{values.get('class') or ''} {values.get('id') or ''}".lower().split()
        return not inside and any(w in _BOILERPLATE_WORDS for w in words)


def _archived_page(data: bytes) -> str:
    """The HTML of a web archive's page (its first text/html part)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    fallback = None
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if content_type not in ("text/html", "text/plain"):
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError):  # an unknown charset: decode the bytes ourselves
            content = decode(part.get_payload(decode=True) or b"")
        if not isinstance(content, str):
            continue
        if content_type == "text/html":
            return content
        fallback = fallback or f"<pre>{html.escape(content)}</pre>"
    if fallback is None:
        raise ExtractionError("failed", "damaged web archive: no page in it")
    return fallback
