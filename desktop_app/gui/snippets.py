"""Result snippets: which part of a chunk to show, and the query's terms marked in it.

Pure Python (no Qt), so it is cheap to test. The search is semantic, so a result need not
contain any query term; when it does, the snippet is centred on the densest run of them. The
terms and where they occur come from ``desktop_app.query_terms``, the rule the keyword search
matches by, so the words marked are the words the search looked for.
"""

from __future__ import annotations

import html
import re

from desktop_app.query_terms import Terms, find_terms

_SPACES = re.compile(r"\s+")


def make_snippet(text: str, terms: Terms, width: int = 240) -> str:
    """About ``width`` characters of ``text`` (whitespace flattened) around its query terms."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= width:
        return flat
    start = 0
    hits = [first for first, _ in find_terms(flat, terms.tokens)]
    if hits:
        # The window (of hits) that holds the most hits within ``width`` characters.
        best, best_count, j = hits[0], 0, 0
        for i, first in enumerate(hits):
            while j < len(hits) and hits[j] < first + width * 0.8:
                j += 1
            if j - i > best_count:
                best, best_count = first, j - i
        start = max(0, min(best - width // 5, len(flat) - width))
        # Begin at a word boundary, not in the middle of a word.
        if start > 0:
            space = flat.find(" ", start)
            if 0 <= space < start + 20:
                start = space + 1
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return f"{prefix}{flat[start:end]}{suffix}"


def highlight_html(snippet: str, terms: Terms, open_tag: str, close_tag: str) -> str:
    """``snippet`` as HTML-escaped text with each query term wrapped in the given tags."""
    out: list[str] = []
    last = 0
    for start, end in find_terms(snippet, terms.tokens):
        out.append(html.escape(snippet[last:start]))
        out.append(f"{open_tag}{html.escape(snippet[start:end])}{close_tag}")
        last = end
    out.append(html.escape(snippet[last:]))
    return "".join(out)
